// The official packages in Node against paysandbox's https listener, with
// NODE_EXTRA_CA_CERTS naming the local CA (paysandbox ca) and nothing else:
//
//   node --require ./localhost.cjs cl.mjs token   <domain> <sales channel client id> <scope>
//   node --require ./localhost.cjs cl.mjs capture <domain> <client id> <client secret> <order id>
//   node --require ./localhost.cjs cl.mjs fulfill <domain> <client id> <client secret> <order id>
//
// Each prints one JSON line; on an error {"error": ..., "errors": [...]} and exit 1.
import { authenticate, jwtVerify, getCoreApiBaseEndpoint } from '@commercelayer/js-auth'
import { CommerceLayer } from '@commercelayer/sdk/bundle'

const [command, domain, ...args] = process.argv.slice(2)

async function token(clientId, clientSecret, scope) {
  const auth = await authenticate('client_credentials', { clientId, clientSecret, scope, domain })
  if (auth.errors) throw Object.assign(new Error('authenticate'), { errors: auth.errors })
  return auth
}

const commands = {
  // A sales channel token; its signature checked against the JWKS at iss;
  // the Core API reached at the URL derived from it, with the SDK.
  async token(clientId, scope) {
    const auth = await token(clientId, undefined, scope)
    const verified = await jwtVerify(auth.accessToken)
    const cl = CommerceLayer({ accessToken: auth.accessToken })
    const skus = await cl.skus.list({ pageSize: 5 })
    return { iss: verified.payload.iss, base: getCoreApiBaseEndpoint(auth.accessToken), tokenType: auth.tokenType,
      expiresIn: auth.expiresIn, skus: skus.length, firstSku: skus[0]?.code }
  },
  // The back office captures a placed order with an integration token.
  async capture(clientId, clientSecret, orderId) {
    const auth = await token(clientId, clientSecret)
    const cl = CommerceLayer({ accessToken: auth.accessToken })
    const order = await cl.orders._capture(orderId)
    return { status: order.status, payment_status: order.payment_status }
  },
  // And fulfils it: every shipment on from where it stands (upcoming, or
  // picking once the order is approved) through packing, shipping and
  // delivery, one trigger at a time.
  async fulfill(clientId, clientSecret, orderId) {
    const auth = await token(clientId, clientSecret)
    const cl = CommerceLayer({ accessToken: auth.accessToken })
    const order = await cl.orders.retrieve(orderId, { include: ['shipments'] })
    const steps = [['_picking', 'picking'], ['_packing', 'packing'], ['_ready_to_ship', 'ready_to_ship'], ['_ship', 'shipped'], ['_deliver', 'delivered']]
    const shipments = []
    for (const s of order.shipments ?? []) {
      const seen = [s.status]
      const from = steps.findIndex(([, status]) => status === s.status) + 1 // 0 when upcoming
      for (const [trigger] of steps.slice(from)) {
        seen.push((await cl.shipments[trigger](s.id)).status)
      }
      shipments.push({ id: s.id, statuses: seen })
    }
    const after = await cl.orders.retrieve(orderId)
    return { shipments, status: after.status, fulfillment_status: after.fulfillment_status }
  },
}

try {
  if (!commands[command]) throw new Error(`unknown command ${command}`)
  console.log(JSON.stringify(await commands[command](...args)))
} catch (e) {
  console.log(JSON.stringify({ error: String(e), errors: e.errors, cause: e.cause ? String(e.cause) : undefined }))
  process.exit(1)
}
