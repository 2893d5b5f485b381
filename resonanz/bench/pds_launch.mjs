// Starts an in-memory PLC directory and a real @atproto/pds on 127.0.0.1 for the Bluesky
// connector tests and bench publish (see pds_peer.py). Usage: node pds_launch.mjs DATA_DIR
// Prints one JSON line {"pds": url, "plc": url} once both listen; stops on SIGTERM/stdin EOF.
import net from 'node:net'
import path from 'node:path'
import { createRequire } from 'node:module'

// Both servers call listen(port) without a host, which binds every interface: keep them
// on the loopback address.
const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  if ((typeof args[0] === 'number' || typeof args[0] === 'string') && typeof args[1] !== 'string') {
    args.splice(1, 0, '127.0.0.1')
  } else if (args[0] && typeof args[0] === 'object' && !args[0].host && !args[0].path) {
    args[0] = { ...args[0], host: '127.0.0.1' }
  }
  return listen.apply(this, args)
}

const appDir = process.env.PDS_PEER_APP
const require = createRequire(path.join(appDir, 'package.json'))
const plc = require('@did-plc/server')
const pds = await import(require.resolve('@atproto/pds'))
const { Secp256k1Keypair } = await import(require.resolve('@atproto/crypto'))

const dataDir = process.argv[2]
const plcServer = plc.PlcServer.create({ db: plc.Database.mock(), port: 0 })
const plcListener = await plcServer.start()
const plcUrl = `http://127.0.0.1:${plcListener.address().port}`

// A free port first: the PDS's public URL must name the port it listens on.
const port = await new Promise((resolve) => {
  const probe = listen.call(net.createServer(), 0, '127.0.0.1', () => {
    const { port } = probe.address()
    probe.close(() => resolve(port))
  })
})
const rotation = await Secp256k1Keypair.create({ exportable: true })
const rotationHex = Buffer.from(await rotation.export()).toString('hex')
const recovery = await Secp256k1Keypair.create()
const env = {
  port,
  hostname: 'localhost',
  devMode: true,
  dataDirectory: dataDir,
  blobstoreDiskLocation: path.join(dataDir, 'blobs'),
  didPlcUrl: plcUrl,
  recoveryDidKey: recovery.did(),
  serviceHandleDomains: ['.test'],
  inviteRequired: false,
  rateLimitsEnabled: false,
  disableSsrfProtection: true,
  crawlers: [],
  jwtSecret: 'resonanz-test-jwt-secret',
  adminPassword: 'admin-pass',
  plcRotationKeyK256PrivateKeyHex: rotationHex,
  maxSubscriptionBuffer: 2000,
  repoBackfillLimitMs: 60 * 60 * 1000,
}
const server = await pds.PDS.create(pds.envToCfg(env), pds.envToSecrets(env))
await server.start()
console.log(JSON.stringify({ pds: `http://127.0.0.1:${port}`, plc: plcUrl }))

const stop = async () => {
  try {
    await server.destroy()
    await plcServer.destroy()
  } finally {
    process.exit(0)
  }
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.resume()
