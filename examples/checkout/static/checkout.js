// paysandbox example shop: the checkout page's script. Plain JavaScript, no
// build step. It is written for Klarna's real SDK; paysandbox serves a
// stand-in at the same path, so only the <script src> differs.
(function () {
  'use strict';

  var form = document.getElementById('checkout');
  var statusEl = document.getElementById('status');
  var container = document.getElementById('klarna-payments-container');
  var sdkLoaded = false;
  var klarna = null; // {flow, session_id, category, ...} once a Klarna session is open

  function say(text, state) {
    statusEl.textContent = text; // never innerHTML: messages carry server text
    if (state) document.body.dataset.state = state;
  }

  function method() {
    var checked = form.querySelector('input[name=method]:checked');
    return checked ? checked.value : '';
  }

  // klarnaFlow is the chosen flow that pays in this page with Klarna's
  // widget: Klarna directly, or Commerce Layer's klarna_payments.
  function klarnaFlow() {
    var m = method();
    return m === 'klarna' || m === 'commercelayer' ? m : '';
  }

  function billing() {
    var b = { country: 'DE' };
    ['given_name', 'family_name', 'email', 'street_address', 'postal_code', 'city'].forEach(function (name) {
      b[name] = form.elements[name].value.trim();
    });
    return b;
  }

  function post(url, body) {
    return fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) throw new Error(j.error || 'HTTP ' + r.status);
        return j;
      });
    });
  }

  function fail(err) {
    say('Something went wrong: ' + err.message, 'error');
  }

  // Klarna's SDK calls this once it has loaded.
  window.klarnaAsyncCallback = function () {
    sdkLoaded = true;
    if (klarnaFlow()) startKlarna();
  };

  form.addEventListener('change', function (e) {
    if (e.target.name !== 'method') return;
    container.hidden = !klarnaFlow();
    if (klarnaFlow()) startKlarna();
  });

  // startKlarna opens a Klarna session on the server (directly, or through a
  // Commerce Layer klarna_payment) and shows Klarna's widget.
  function startKlarna() {
    var flow = klarnaFlow();
    if (!sdkLoaded || (klarna && klarna.flow === flow)) return;
    klarna = null;
    say('Loading Klarna…', 'loading');
    var opened = flow === 'commercelayer' ? post('/api/commercelayer/checkout', billing()) : post('/api/klarna/session');
    opened.then(function (s) {
      if (klarnaFlow() !== flow) return; // the shopper chose something else meanwhile
      klarna = { flow: flow, session_id: s.session_id, category: s.payment_method_categories[0].identifier,
        order_id: s.order_id, klarna_payment_id: s.klarna_payment_id };
      Klarna.Payments.init({ client_token: s.client_token });
      Klarna.Payments.load({ container: '#klarna-payments-container', payment_method_category: klarna.category }, {}, function (res) {
        if (res.show_form) {
          say('Klarna is ready: press “Place order”.', 'klarna-ready');
        } else {
          container.hidden = true;
          say('Klarna is not available for this order.', 'klarna-unavailable');
        }
      });
    }).catch(fail);
  }

  function payWithKlarna() {
    if (document.body.dataset.state !== 'klarna-ready') {
      say('Klarna is not ready yet.');
      return;
    }
    Klarna.Payments.authorize({ payment_method_category: klarna.category }, { billing_address: billing() }, function (res) {
      if (res.approved && res.finalize_required) {
        Klarna.Payments.finalize({ payment_method_category: klarna.category }, {}, klarnaDecided);
        return;
      }
      klarnaDecided(res);
    });
  }

  function klarnaDecided(res) {
    if (res.approved && res.authorization_token) {
      say('Approved: placing the order…', 'placing');
      // The token goes to the server, which places the order.
      if (klarna.flow === 'commercelayer') {
        post('/api/commercelayer/place', { order_id: klarna.order_id, klarna_payment_id: klarna.klarna_payment_id,
          session_id: klarna.session_id, authorization_token: res.authorization_token })
          .then(function (o) {
            say('Thank you! Commerce Layer order ' + o.number + ' (' + o.total + ') is placed; Klarna order ' + o.klarna_order_id + '.', 'placed');
          })
          .catch(fail);
        return;
      }
      post('/api/klarna/order', { session_id: klarna.session_id, authorization_token: res.authorization_token })
        .then(function (o) {
          say('Thank you! Klarna order ' + o.order_id + ' is placed (fraud status ' + o.fraud_status + ').', 'placed');
        })
        .catch(fail);
    } else if (!res.show_form) {
      container.hidden = true;
      say('Klarna declined the payment. Please choose another payment method.', 'declined');
    } else {
      var fields = res.error && res.error.invalid_fields && res.error.invalid_fields.length ? ' (check: ' + res.error.invalid_fields.join(', ') + ')' : '';
      say('The payment was not approved' + fields + '. You can try again.', 'klarna-ready');
    }
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    if (!form.reportValidity()) return;
    switch (method()) {
      case 'klarna':
      case 'commercelayer':
        payWithKlarna();
        break;
      case 'klarna-hpp':
        say('Going to Klarna…', 'redirecting');
        post('/api/klarna-hpp/session', billing()).then(function (r) { location.assign(r.redirect_url); }).catch(fail);
        break;
      case 'multisafepay':
        say('Going to MultiSafepay…', 'redirecting');
        post('/api/multisafepay/order').then(function (r) { location.assign(r.payment_url); }).catch(fail);
        break;
    }
  });
})();
