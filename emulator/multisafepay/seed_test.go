package multisafepay

// The two requests of MultiSafepay's "Create a Klarna order" page (the
// project's seed 002), kept as the page shows them: amount and booleans as
// strings, items as an empty string, the official client's plugin object.

const SeedRedirectKlarna = `{
  "type": "redirect",
  "gateway": "KLARNA",
  "order_id": "my-order-id-1",
  "currency": "EUR",
  "amount": "10000",
  "description": "Test order description",
  "var1": "",
  "var2": "",
  "var3": "",
  "items": "",
  "manual": "false",
  "payment_options": {
    "notification_url": "https://www.example.com/client/notification?type=notification",
    "redirect_url": "https://www.example.com/client/notification?type=redirect",
    "cancel_url": "https://www.example.com/client/notification?type=cancel",
    "close_window": true
  },
  "customer": {
    "locale": "nl_NL",
    "ip_address": "84.71.117.69",
    "forwarded_ip": "",
    "first_name": "John",
    "last_name": "Doe",
    "address1": "Neherkade",
    "address2": "",
    "house_number": "1/XI",
    "zip_code": "2521VA",
    "city": "Gravenhage",
    "state": "",
    "country": "NL",
    "email": "example@multisafepay.com",
    "referrer": "https://example.com",
    "user_agent": "Mozilla/5.0 (Windows NT 6.3; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/38.0.2125.111 Safari/537.36"
  },
  "delivery": {
    "first_name": "John",
    "last_name": "Doe",
    "address1": "Neherkade",
    "address2": "",
    "house_number": "1/XI",
    "zip_code": "2521VA",
    "city": "Gravenhage",
    "state": "",
    "country": "NL",
    "phone": "0612345678",
    "email": "example@multisafepay.com"
  },
  "gateway_info": {
    "birthday": "1970-07-10",
    "gender": "male",
    "phone": "0612345678",
    "email": "example@multisafepay.com"
  },
  "shopping_cart": {
    "items": [
      {
        "name": "Test",
        "description": "",
        "unit_price": 100,
        "quantity": 1,
        "merchant_item_id": "1111",
        "tax_table_selector": "none",
        "weight": {
          "unit": "KG",
          "value": "12"
        }
      }
    ]
  },
  "checkout_options": {
    "tax_tables": {
      "default": {
        "shipping_taxed": "false",
        "rate": 0
      },
      "alternate": [
        {
          "name": "none",
          "standalone": false,
          "rules": [
            {
              "rate": 0
            }
          ]
        },
        {
          "name": "FEE",
          "standalone": false,
          "rules": [
            {
              "rate": 0
            }
          ]
        }
      ]
    }
  }
}`

const SeedDirectKlarna = `{
  "type": "direct",
  "gateway": "KLARNA",
  "order_id": "my-order-id-1",
  "currency": "EUR",
  "amount": "10000",
  "description": "Test order description",
  "var1": "",
  "var2": "",
  "var3": "",
  "items": "",
  "manual": "false",
  "payment_options": {
    "notification_url": "https://www.example.com/client/notification?type=notification",
    "redirect_url": "https://www.example.com/client/notification?type=redirect",
    "cancel_url": "https://www.example.com/client/notification?type=cancel",
    "close_window": true
  },
  "plugin":{
    "shop":"my-shop",
    "plugin_version":"1.0.0",
    "shop_version":"1",
    "partner":"partner",
    "shop_root_url":"https://multisafepay.com"
  },
  "customer": {
    "locale": "nl_NL",
    "ip_address": "84.71.117.69",
    "forwarded_ip": "",
    "first_name": "John",
    "last_name": "Doe",
    "address1": "Neherkade",
    "address2": "",
    "house_number": "1/XI",
    "zip_code": "2521VA",
    "city": "Gravenhage",
    "state": "",
    "country": "NL",
    "email": "example@multisafepay.com",
    "referrer": "https://example.com",
    "user_agent": "Mozilla/5.0 (Windows NT 6.3; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/38.0.2125.111 Safari/537.36"
  },
  "delivery": {
    "first_name": "John",
    "last_name": "Doe",
    "address1": "Neherkade",
    "address2": "",
    "house_number": "1/XI",
    "zip_code": "2521VA",
    "city": "Gravenhage",
    "state": "",
    "country": "NL",
    "phone": "0612345678",
    "email": "example@multisafepay.com"
  },
  "gateway_info": {
    "birthday": "1970-07-10",
    "gender": "male",
    "phone": "0612345678",
    "email": "example@multisafepay.com"
  },
  "shopping_cart": {
    "items": [
      {
        "name": "Test",
        "description": "",
        "unit_price": 100,
        "quantity": 1,
        "merchant_item_id": "1111",
        "tax_table_selector": "none",
        "weight": {
          "unit": "KG",
          "value": "12"
        }
      }
    ]
  },
  "checkout_options": {
    "tax_tables": {
      "default": {
        "shipping_taxed": "false",
        "rate": 0
      },
      "alternate": [
        {
          "name": "none",
          "standalone": false,
          "rules": [
            {
              "rate": 0
            }
          ]
        },
        {
          "name": "FEE",
          "standalone": false,
          "rules": [
            {
              "rate": 0
            }
          ]
        }
      ]
    }
  }
}`

// SeedDirectKlarnaResponse is the page's answer to the direct request
// ("items" is elided there as "...").
const SeedDirectKlarnaResponse = `{
  "success": true,
  "data": {
    "amount": 10000,
    "amount_refunded": 0,
    "checkout_options": {
      "alternate": [
        {
          "name": "none",
          "rules": [
            {
              "country": "",
              "rate": "0.00"
            }
          ],
          "standalone": ""
        },
        {
          "name": "FEE",
          "rules": [
            {
              "country": "",
              "rate": "0.00"
            }
          ],
          "standalone": ""
        }
      ],
      "default": {
        "rate": "0.00",
        "shipping_taxed": false
      }
    },
    "costs": [],
    "created": "2021-11-15T16:10:47",
    "currency": "EUR",
    "custom_info": {
      "custom_1": null,
      "custom_2": null,
      "custom_3": null
    },
    "customer": {
      "address1": "Neherkade",
      "address2": null,
      "city": "Gravenhage",
      "country": "NL",
      "country_name": null,
      "email": "example@multisafepay.com",
      "first_name": "John",
      "house_number": "1/XI",
      "last_name": "Doe",
      "locale": "nl_NL",
      "phone1": "0612345678",
      "phone2": "",
      "state": null,
      "zip_code": "2521VA"
    },
    "description": "Test order description",
    "fastcheckout": "NO",
    "financial_status": "initialized",
    "items": "...",
    "modified": "2021-11-15T16:10:47",
    "order_adjustment": {
      "total_adjustment": "0.00",
      "total_tax": "0.00"
    },
    "order_id": "my-order-id-1",
    "order_total": "100.00",
    "payment_details": {
      "collecting_flow": null,
      "external_transaction_id": "d0b93b5a-facd-3bf9-a24b-0409ee9e7d96",
      "recurring_flow": null,
      "recurring_id": null,
      "recurring_model": null,
      "type": "KLARNA"
    },
    "payment_methods": [
      {
        "amount": 10000,
        "currency": "EUR",
        "description": "Test order description",
        "external_transaction_id": "d0b93b5a-facd-3bf9-a24b-0409ee9e7d96",
        "payment_description": "Klarna",
        "status": "initialized",
        "type": "KLARNA"
      }
    ],
    "reason": "",
    "reason_code": "",
    "related_transactions": null,
    "shopping_cart": {
      "items": [
        {
          "cashback": "",
          "currency": "EUR",
          "description": "",
          "image": "",
          "merchant_item_id": 1111,
          "name": "Test",
          "options": [],
          "product_url": "",
          "quantity": 1,
          "tax_table_selector": "none",
          "unit_price": "100.00",
          "weight": {
            "unit": "KG",
            "value": 12
          }
        }
      ]
    },
    "status": "initialized",
    "transaction_id": 5119189,
    "var1": null,
    "var2": null,
    "var3": null,
    "qr_url": "https://example.com",
    "payment_url": "https://example.com"
  }
}`
