/* paysandbox: an offline stand-in for Klarna Payments' JavaScript SDK,
 * written from Klarna's public API reference (init, load, authorize,
 * reauthorize, finalize, on, off; window.klarnaAsyncCallback). Load it from
 * the emulator in place of Klarna's CDN and keep the rest of the page:
 *
 *   <script src="http://localhost:8910/kp/lib/v1/api.js" async></script>
 *
 * The widget and the approval step are iframes served by the emulator; the
 * approval step lets the shopper pick a test outcome and then calls the
 * emulator's POST /_sandbox/klarna/authorizations. */
(function (window, document) {
  'use strict';

  // --- Where the emulator is: this script's own src.
  function findSelf() {
    if (document.currentScript && document.currentScript.src) return document.currentScript;
    var scripts = document.getElementsByTagName('script');
    for (var i = scripts.length - 1; i >= 0; i--) {
      if (/\/kp\/lib\/v1\/api\.js(?:[?#]|$)/.test(scripts[i].src)) return scripts[i];
    }
    return null;
  }
  var self = findSelf();
  if (!self) {
    if (window.console) console.error('paysandbox Klarna SDK: cannot find its own <script src>');
    return;
  }
  var srcURL = new URL(self.src, location.href);
  var ORIGIN = srcURL.origin;
  var BASE = ORIGIN + srcURL.pathname.replace(/\/kp\/lib\/v1\/api\.js$/, '');
  var LIB = BASE + '/kp/lib/v1/';
  var LOAD_TIMEOUT = 15000;

  // --- The documented errors.
  function errorClass(name) {
    return class extends Error {
      constructor(message) {
        super(message || name);
        this.name = name;
      }
    };
  }
  var InvalidClientTokenError = errorClass('InvalidClientTokenError');
  var ApplicationNotInitializedError = errorClass('ApplicationNotInitializedError');
  var ApplicationNotLoadedError = errorClass('ApplicationNotLoadedError');
  var InvalidContainerSelectorError = errorClass('InvalidContainerSelectorError');
  var PaymentMethodCategoryNotProvidedError = errorClass('PaymentMethodCategoryNotProvidedError');
  var PaymentMethodCategoryNotSupportedError = errorClass('PaymentMethodCategoryNotSupportedError');
  var PreferredPaymentMethodNotSupportedError = errorClass('PreferredPaymentMethodNotSupportedError');
  var EventNotSupportedError = errorClass('EventNotSupportedError');

  var CATEGORIES = ['klarna', 'pay_later', 'pay_now', 'pay_over_time', 'direct_bank_transfer', 'direct_debit'];
  var PREFERRED = ['invoice', 'fixed_amount', 'base_account', 'direct_debit', 'direct_bank_transfer', 'b2b_invoice',
    'card', 'slice_it_by_card', 'pay_later_by_card', 'pay_by_card', 'fixed_sum_credit', 'alternative_payment_method'];
  var EVENTS = ['heightChanged', 'fullscreenOverlayShown', 'fullscreenOverlayHidden'];
  var CART_FIELDS = ['order_amount', 'order_lines', 'order_tax_amount', 'purchase_country', 'purchase_currency', 'locale'];

  // --- State.
  var token = null;
  var instances = new Map(); // instance id -> widget
  var pendingFinalize = new Map(); // instance id -> authorization request awaiting finalize()
  var overlay = null;
  var listeners = {};
  EVENTS.forEach(function (e) { listeners[e] = []; });

  // --- Helpers.
  function decodeSegment(s) {
    if (!/^[A-Za-z0-9_-]+$/.test(s)) return null;
    try {
      var b64 = s.replace(/-/g, '+').replace(/_/g, '/');
      while (b64.length % 4) b64 += '=';
      var bytes = Uint8Array.from(atob(b64), function (c) { return c.charCodeAt(0); });
      var v = JSON.parse(new TextDecoder().decode(bytes));
      return v && typeof v === 'object' ? v : null;
    } catch (e) {
      return null;
    }
  }

  function isJWT(t) {
    if (typeof t !== 'string') return false;
    var parts = t.split('.');
    if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts[2])) return false;
    var header = decodeSegment(parts[0]);
    return !!(header && typeof header.alg === 'string' && decodeSegment(parts[1]));
  }

  function query(params) {
    var q = new URLSearchParams();
    Object.keys(params).forEach(function (k) {
      if (params[k] !== '' && params[k] != null) q.set(k, params[k]);
    });
    return q.toString();
  }

  function args(data, callback) {
    if (typeof data === 'function') return { data: {}, cb: data };
    return {
      data: data && typeof data === 'object' ? data : {},
      cb: typeof callback === 'function' ? callback : function () {}
    };
  }

  function later(cb, value) {
    setTimeout(function () { cb(value); }, 0);
  }

  function emit(event, value) {
    listeners[event].slice().forEach(function (fn) {
      try {
        fn(value);
      } catch (e) {
        setTimeout(function () { throw e; }, 0);
      }
    });
  }

  function requireInit() {
    if (!token) throw new ApplicationNotInitializedError('Klarna.Payments.init() has not been called');
  }

  function warnCart(data) {
    var sent = CART_FIELDS.filter(function (f) { return f in data; });
    if (sent.length && window.console) {
      console.warn('paysandbox Klarna SDK: cart fields in data (' + sent.join(', ') +
        ') are not applied to the session; update the session from your server.');
    }
  }

  // address keeps the string fields of an address object (the API rejects others).
  function address(a) {
    if (!a || typeof a !== 'object') return undefined;
    var out = {};
    Object.keys(a).forEach(function (k) {
      var v = a[k];
      if (typeof v === 'number') v = String(v);
      if (typeof v === 'string' && v.trim() !== '') out[k] = v.trim();
    });
    return out;
  }

  // emailForOutcome writes the playground test data that gives the shopper's
  // chosen outcome into the billing e-mail (the same rule as the emulator's
  // hosted page): approve strips deciding tags, deny adds +denied, pending
  // adds +pend-accept-05.
  function emailForOutcome(email, outcome) {
    if (!email || outcome === 'test_data') return email;
    email = email.trim();
    var at = email.indexOf('@');
    if (at < 0) return email;
    var parts = email.slice(0, at).split('+');
    var kept = [parts[0]];
    parts.slice(1).forEach(function (tag) {
      var t = tag.toLowerCase();
      if (t !== 'denied' && !/^pend-(accept|reject)-\d{1,4}$/.test(t)) kept.push(tag);
    });
    if (outcome === 'deny') kept.push('denied');
    if (outcome === 'pending') kept.push('pend-accept-05');
    return kept.join('+') + email.slice(at);
  }

  function resolveContainer(c) {
    if (c instanceof HTMLElement) return c;
    if (typeof c === 'string' && c.trim() !== '') {
      var el = null;
      try {
        el = document.querySelector(c);
      } catch (e) {
        el = null;
      }
      if (el) return el;
    }
    throw new InvalidContainerSelectorError('options.container is neither an HTML element nor a valid CSS selector');
  }

  function checkCategory(c) {
    if (CATEGORIES.indexOf(c) < 0) throw new PaymentMethodCategoryNotSupportedError('Payment method category not supported: ' + c);
    return c;
  }

  function requestedCategories(options) {
    if (options.payment_method_category != null) return [checkCategory(options.payment_method_category)];
    if (Array.isArray(options.payment_method_categories)) return options.payment_method_categories.map(checkCategory);
    return [];
  }

  // pickInstance finds the loaded widget an authorize-like call is about.
  function pickInstance(options) {
    var category = options.payment_method_category;
    if (category != null) checkCategory(category);
    var inst = null;
    if (options.instance_id != null) {
      inst = instances.get(String(options.instance_id));
    } else if (category != null) {
      inst = instances.get(category) || null;
      instances.forEach(function (i) {
        if (!inst && (i.selected === category || i.requested.indexOf(category) >= 0)) inst = i;
      });
    } else if (instances.size > 1) {
      throw new PaymentMethodCategoryNotProvidedError('Several widgets are loaded: say which payment_method_category');
    } else {
      instances.forEach(function (i) { inst = i; });
    }
    if (!inst || inst.state === 'loading') throw new ApplicationNotLoadedError('Klarna.Payments.load() has not completed');
    return { inst: inst, category: category || inst.selected };
  }

  function dispose(inst) {
    clearTimeout(inst.timer);
    if (inst.frame.parentNode) inst.frame.parentNode.removeChild(inst.frame);
    instances.delete(inst.id);
    pendingFinalize.delete(inst.id);
  }

  function finishLoad(inst, result, category) {
    if (inst.state !== 'loading') return;
    clearTimeout(inst.timer);
    inst.state = result.show_form ? 'ready' : 'unavailable';
    if (category) inst.selected = category;
    inst.cb(result);
  }

  // --- Messages from the emulator's iframes (and only from them).
  window.addEventListener('message', function (e) {
    if (e.origin !== ORIGIN) return;
    var m = e.data;
    if (!m || typeof m !== 'object' || m.source !== 'paysandbox-klarna') return;
    if (overlay && e.source === overlay.frame.contentWindow) {
      overlay.handle(m);
      return;
    }
    instances.forEach(function (inst) {
      if (e.source !== inst.frame.contentWindow) return;
      if (m.type === 'height' && typeof m.height === 'number') {
        inst.frame.style.height = m.height + 'px';
        emit('heightChanged', m.height);
      } else if (m.type === 'loaded') {
        finishLoad(inst, { show_form: !!(m.result && m.result.show_form) }, m.category);
      } else if (m.type === 'category' && typeof m.category === 'string') {
        inst.selected = m.category;
      }
    });
  });

  // --- The approval step: a full-screen iframe over the page.
  function openOverlay(params, prefill, done) {
    var previous = document.activeElement;
    var wrap = document.createElement('div');
    wrap.id = 'klarna-payments-fullscreen';
    wrap.style.cssText = 'position:fixed;inset:0;z-index:2147483647;display:flex;align-items:center;' +
      'justify-content:center;background:rgba(23,18,15,.55);';
    var frame = document.createElement('iframe');
    frame.title = 'Klarna: approve the payment';
    frame.style.cssText = 'width:min(34rem,100%);height:min(46rem,100%);border:0;border-radius:.5rem;background:#fff;';
    frame.src = LIB + 'approval?' + query(params);
    wrap.appendChild(frame);
    // Keep keyboard and screen readers inside the step while it is open.
    var inerted = [];
    Array.prototype.forEach.call(document.body.children, function (el) {
      if (!el.inert) {
        el.inert = true;
        inerted.push(el);
      }
    });
    document.body.appendChild(wrap);
    overlay = {
      frame: frame,
      handle: function (m) {
        if (m.type === 'ready') {
          frame.contentWindow.postMessage({ type: 'prefill', billing_address: prefill || {} }, ORIGIN);
          frame.focus();
          frame.contentWindow.postMessage({ type: 'focus' }, ORIGIN);
        } else if (m.type === 'decision' || m.type === 'cancel' || m.type === 'failed') {
          wrap.parentNode.removeChild(wrap);
          inerted.forEach(function (el) { el.inert = false; });
          overlay = null;
          emit('fullscreenOverlayHidden');
          if (previous && typeof previous.focus === 'function') previous.focus();
          done(m);
        }
      }
    };
    emit('fullscreenOverlayShown');
  }

  function sendAuthorization(request) {
    return fetch(BASE + '/_sandbox/klarna/authorizations', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      credentials: 'omit',
      body: JSON.stringify(request)
    }).then(function (r) {
      return r.json();
    }).catch(function (e) {
      if (window.console) console.error('paysandbox Klarna SDK: the emulator did not answer', e);
      return { approved: false, show_form: false, error: { invalid_fields: [] } };
    });
  }

  // step runs authorize, reauthorize or finalize.
  function step(mode, options, data, callback) {
    requireInit();
    var a = args(data, callback);
    options = options || {};
    var pick = pickInstance(options);
    var inst = pick.inst;
    if (inst.state === 'unavailable') return later(a.cb, { approved: false, show_form: false });
    if (overlay) return later(a.cb, { approved: false, show_form: true, error: { invalid_fields: [] } });
    var pending = null;
    if (mode === 'finalize') {
      pending = pendingFinalize.get(inst.id);
      if (!pending) return later(a.cb, { approved: false, show_form: true, error: { invalid_fields: [] } });
    }
    warnCart(a.data);
    var params = {
      client_token: token,
      category: pending ? pending.payment_method_category : pick.category,
      mode: mode,
      auto_finalize: options.auto_finalize === false ? 'false' : 'true',
      instance: inst.id,
      origin: location.origin
    };
    openOverlay(params, address(a.data.billing_address), function (m) {
      if (m.type === 'cancel') return a.cb({ approved: false, show_form: true });
      if (m.type === 'failed') return a.cb(m.result);
      var request = pending ? JSON.parse(JSON.stringify(pending)) : {
        client_token: token,
        payment_method_category: pick.category,
        // The step shows the usual fields; what else the shop sent (country,
        // organization, ...) is kept.
        billing_address: address(Object.assign({}, address(a.data.billing_address), address(m.billing_address))),
        shipping_address: address(a.data.shipping_address),
        customer: a.data.customer && typeof a.data.customer === 'object' ? a.data.customer : undefined
      };
      if (request.billing_address && !request.billing_address.country && m.country) {
        request.billing_address.country = m.country; // the purchase country, as Klarna's form assumes
      }
      if (m.outcome === 'finalize' && !pending) {
        pendingFinalize.set(inst.id, request);
        return a.cb({ approved: true, show_form: true, finalize_required: true });
      }
      if (request.billing_address && request.billing_address.email) {
        request.billing_address.email = emailForOutcome(request.billing_address.email, m.outcome);
      }
      sendAuthorization(request).then(function (result) {
        if (pending) pendingFinalize.delete(inst.id);
        a.cb(result);
      });
    });
  }

  // --- The public API.
  var Payments = {
    init: function (options) {
      var t = options && options.client_token;
      if (!isJWT(t)) throw new InvalidClientTokenError('options.client_token is not a valid JSON Web Token');
      instances.forEach(dispose);
      pendingFinalize.clear();
      token = t;
    },

    load: function (options, data, callback) {
      requireInit();
      var a = args(data, callback);
      options = options || {};
      var container = resolveContainer(options.container);
      var requested = requestedCategories(options);
      if (options.preferred_payment_method != null && PREFERRED.indexOf(options.preferred_payment_method) < 0) {
        throw new PreferredPaymentMethodNotSupportedError('Preferred payment method not supported: ' + options.preferred_payment_method);
      }
      warnCart(a.data);
      var id = String(options.instance_id || options.payment_method_category || 'default');
      var old = instances.get(id);
      if (old) dispose(old);
      var frame = document.createElement('iframe');
      frame.title = 'Klarna payment method';
      frame.style.cssText = 'display:block;width:100%;height:0;border:0;overflow:hidden;';
      frame.src = LIB + 'widget?' + query({
        client_token: token,
        category: requested.join(','),
        instance: id,
        origin: location.origin
      });
      var inst = { id: id, frame: frame, requested: requested, selected: requested[0] || '', state: 'loading', cb: a.cb };
      inst.timer = setTimeout(function () { finishLoad(inst, { show_form: false }); }, LOAD_TIMEOUT);
      instances.set(id, inst);
      container.replaceChildren(frame);
    },

    authorize: function (options, data, callback) { step('authorize', options, data, callback); },
    reauthorize: function (options, data, callback) { step('reauthorize', options, data, callback); },
    finalize: function (options, data, callback) { step('finalize', options, data, callback); },

    on: function (event, handler) {
      if (EVENTS.indexOf(event) < 0) throw new EventNotSupportedError('Event not supported: ' + event);
      if (typeof handler === 'function') listeners[event].push(handler);
    },

    off: function (event, handler) {
      if (EVENTS.indexOf(event) < 0) throw new EventNotSupportedError('Event not supported: ' + event);
      listeners[event] = handler ? listeners[event].filter(function (fn) { return fn !== handler; }) : [];
    }
  };

  window.Klarna = window.Klarna || {};
  window.Klarna.Payments = Payments;
  if (typeof window.klarnaAsyncCallback === 'function') {
    try {
      window.klarnaAsyncCallback();
    } catch (e) {
      setTimeout(function () { throw e; }, 0);
    }
  }
})(window, document);
