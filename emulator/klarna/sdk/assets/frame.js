/* paysandbox: the script of the Klarna stand-in's iframes (the payment widget
 * and the approval step). It talks only to the page that opened it, at the
 * origin that page gave in ?origin=, through postMessage. */
(function () {
  'use strict';

  var params = new URLSearchParams(location.search);
  var parentOrigin = params.get('origin') || '';
  var instance = params.get('instance') || '';
  var body = document.body;
  var kind = body.dataset.kind;

  function post(msg) {
    if (!parentOrigin || window.parent === window) return;
    msg.source = 'paysandbox-klarna';
    msg.instance = instance;
    window.parent.postMessage(msg, parentOrigin);
  }

  function fromParent(handler) {
    window.addEventListener('message', function (e) {
      if (e.origin !== parentOrigin || e.source !== window.parent) return;
      if (!e.data || typeof e.data !== 'object') return;
      handler(e.data);
    });
  }

  function reportHeight() {
    post({ type: 'height', height: Math.ceil(document.documentElement.scrollHeight) });
  }

  if (kind === 'widget') {
    var showForm = body.dataset.showForm === 'true';
    Array.prototype.forEach.call(document.querySelectorAll('input[name=category]'), function (el) {
      el.addEventListener('change', function () {
        if (el.checked) post({ type: 'category', category: el.value });
      });
    });
    reportHeight();
    if (window.ResizeObserver) new ResizeObserver(reportHeight).observe(body);
    post({ type: 'loaded', result: { show_form: showForm }, category: body.dataset.category || '' });
    return;
  }

  if (kind !== 'approval') return;

  var form = document.getElementById('approval');
  var failure = {
    approved: false,
    show_form: false,
    error: { invalid_fields: [], code: body.dataset.code || '', message: body.dataset.message || '' }
  };

  function fields() {
    return form ? form.querySelectorAll('input[id^="billing-"]') : [];
  }

  function prefill(address) {
    Array.prototype.forEach.call(fields(), function (input) {
      var v = address[input.name];
      if (typeof v === 'string' || typeof v === 'number') input.value = String(v);
    });
  }

  function collect() {
    var address = {};
    Array.prototype.forEach.call(fields(), function (input) {
      var v = input.value.trim();
      if (v !== '') address[input.name] = v;
    });
    return address;
  }

  function focusFirst() {
    var target = null;
    Array.prototype.forEach.call(fields(), function (input) {
      if (!target && input.required && input.value.trim() === '') target = input;
    });
    target = target || document.querySelector('input[name=outcome]:checked') || document.getElementById('close');
    if (target) target.focus();
  }

  function cancel() {
    post(form ? { type: 'cancel' } : { type: 'failed', result: failure });
  }

  fromParent(function (m) {
    if (m.type === 'prefill') prefill(m.billing_address || {});
    if (m.type === 'focus') focusFirst();
  });

  if (form) {
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      if (!form.reportValidity()) return;
      var chosen = form.querySelector('input[name=outcome]:checked');
      post({ type: 'decision', outcome: chosen ? chosen.value : 'test_data', billing_address: collect(), country: body.dataset.country || '' });
    });
    document.getElementById('cancel').addEventListener('click', cancel);
  } else {
    document.getElementById('close').addEventListener('click', cancel);
  }
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape') cancel();
  });
  post({ type: 'ready' });
})();
