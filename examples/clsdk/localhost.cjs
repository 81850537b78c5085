// Preload (node --require ./localhost.cjs): names under .localhost resolve to
// the loopback address, as RFC 6761 says and browsers do. Node asks the
// system resolver, which on many machines (no systemd-resolved) knows only
// "localhost" itself, so https://auth.localhost:8911 would be ENOTFOUND.
// Alternatives: a line in /etc/hosts per name (127.0.0.1 auth.localhost
// paysandbox.localhost), or systemd-resolved.
'use strict'
const dns = require('node:dns')
const lookup = dns.lookup
dns.lookup = function (hostname, options, callback) {
  if (typeof hostname === 'string' && /\.localhost\.?$/i.test(hostname)) hostname = 'localhost'
  return lookup.call(this, hostname, options, callback)
}
