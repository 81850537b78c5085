package multisafepay

// The two requests of MultiSafepay's "Create a Klarna order" page (the
// project's seed 002), kept as the page shows them: amount and booleans as
// strings, items as an empty string, the official client's plugin object.

const seedRedirectKlarna = `{
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

const seedDirectKlarna = `{
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
