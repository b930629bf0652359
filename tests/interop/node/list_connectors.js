#!/usr/bin/env node
// A connectd client in another language, built from the .proto files only: loads
// protos/connectd/v1/connectors.proto with @grpc/proto-loader, calls the coordinator's
// ListConnectors (and, with --health, the standard grpc.health.v1 Check), and prints the result as
// one JSON object on stdout. Any failure is one line on stderr and a non-zero exit.
//
//   node list_connectors.js --address 127.0.0.1:50051 --group-id connect-cluster \
//       [--deadline-ms 10000] [--health] [--protos DIR] \
//       [--ca-cert ca.pem --cert client.pem --key client.key [--token-file cluster.token]]
//
// With --ca-cert it speaks TLS, presenting --cert/--key (mutual TLS, as a secure connectd cluster
// requires), and --token-file sends the cluster token on every call as "authorization: Bearer ...".
//
// Exit codes: 0 ok, 1 an RPC failed, 2 bad arguments or the protos do not load.
'use strict';

const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const USAGE =
  'usage: list_connectors.js --address HOST:PORT --group-id GROUP [--deadline-ms MS] [--health] [--protos DIR]' +
  ' [--ca-cert FILE --cert FILE --key FILE [--token-file FILE]]';

// The standard health service (grpc/health/v1/health.proto), in protobuf.js JSON form: connectd
// does not ship that file, and it is small and frozen.
const HEALTH_V1 = {
  nested: {
    grpc: {
      nested: {
        health: {
          nested: {
            v1: {
              nested: {
                HealthCheckRequest: { fields: { service: { type: 'string', id: 1 } } },
                HealthCheckResponse: {
                  fields: { status: { type: 'ServingStatus', id: 1 } },
                  nested: {
                    ServingStatus: {
                      values: { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 },
                    },
                  },
                },
                Health: {
                  methods: {
                    Check: { requestType: 'HealthCheckRequest', responseType: 'HealthCheckResponse' },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

const LOADER_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

function fail(code, message) {
  process.stderr.write(`list_connectors: ${message}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const args = {
    address: '',
    groupId: '',
    deadlineMs: 10000,
    health: false,
    protos: path.resolve(__dirname, '..', '..', '..', 'protos'),
    caCert: '',
    cert: '',
    key: '',
    tokenFile: '',
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(2, `${flag} needs a value\n${USAGE}`);
      return argv[++i];
    };
    if (flag === '--address') args.address = value();
    else if (flag === '--group-id') args.groupId = value();
    else if (flag === '--deadline-ms') args.deadlineMs = Number(value());
    else if (flag === '--protos') args.protos = path.resolve(value());
    else if (flag === '--health') args.health = true;
    else if (flag === '--ca-cert') args.caCert = value();
    else if (flag === '--cert') args.cert = value();
    else if (flag === '--key') args.key = value();
    else if (flag === '--token-file') args.tokenFile = value();
    else if (flag === '-h' || flag === '--help') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else fail(2, `unknown argument ${JSON.stringify(flag)}\n${USAGE}`);
  }
  if (!args.address) fail(2, `--address is required\n${USAGE}`);
  if (!args.groupId) fail(2, `--group-id is required\n${USAGE}`);
  if (!Number.isFinite(args.deadlineMs) || args.deadlineMs <= 0) {
    fail(2, `--deadline-ms must be a positive number of milliseconds\n${USAGE}`);
  }
  if ((args.cert || args.key || args.tokenFile) && !args.caCert) {
    fail(2, `--cert, --key and --token-file need --ca-cert (TLS)\n${USAGE}`);
  }
  if (Boolean(args.cert) !== Boolean(args.key)) fail(2, `--cert and --key go together\n${USAGE}`);
  return args;
}

function readFile(flag, file) {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    fail(2, `cannot read ${flag} ${file}: ${err.message}`);
  }
}

// Plaintext, or TLS trusting --ca-cert and presenting --cert/--key; the token, when given, goes with
// every call (call credentials: grpc-js sends them over TLS only).
function channelCredentials(args) {
  if (!args.caCert) return grpc.credentials.createInsecure();
  const tls = grpc.credentials.createSsl(
    readFile('--ca-cert', args.caCert),
    args.key ? readFile('--key', args.key) : null,
    args.cert ? readFile('--cert', args.cert) : null,
  );
  if (!args.tokenFile) return tls;
  const token = readFile('--token-file', args.tokenFile).toString('utf8').trim();
  const bearer = grpc.credentials.createFromMetadataGenerator((_params, callback) => {
    const metadata = new grpc.Metadata();
    metadata.add('authorization', `Bearer ${token}`);
    callback(null, metadata);
  });
  return grpc.credentials.combineChannelCredentials(tls, bearer);
}

function loadCoordinator(protosDir) {
  const file = path.join(protosDir, 'connectd', 'v1', 'connectors.proto');
  let definition;
  try {
    definition = protoLoader.loadSync(file, { ...LOADER_OPTIONS, includeDirs: [protosDir] });
  } catch (err) {
    fail(2, `cannot load ${file}: ${err.message}`);
  }
  const service = grpc.loadPackageDefinition(definition).connectd?.v1?.ConnectorService;
  if (!service) fail(2, `${file} defines no connectd.v1.ConnectorService`);
  return service;
}

function loadHealth() {
  return grpc.loadPackageDefinition(protoLoader.fromJSON(HEALTH_V1, LOADER_OPTIONS)).grpc.health.v1.Health;
}

// One unary call with a deadline, as a promise; a failure names the RPC, the address and the status.
function unary(client, method, request, deadlineMs, address) {
  return new Promise((resolve, reject) => {
    const deadline = new Date(Date.now() + deadlineMs);
    client[method](request, { deadline }, (err, response) => {
      if (!err) return resolve(response);
      const status = Object.keys(grpc.status).find((k) => grpc.status[k] === err.code) ?? 'UNKNOWN';
      reject(new Error(`${method} on ${address} failed: ${status} (${err.code}): ${err.details || err.message}`));
    });
  });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const Coordinator = loadCoordinator(args.protos);
  const credentials = channelCredentials(args);
  const clients = [];
  try {
    const result = { address: args.address, group_id: args.groupId };
    if (args.health) {
      const Health = loadHealth();
      const health = new Health(args.address, credentials);
      clients.push(health);
      const response = await unary(health, 'Check', { service: '' }, args.deadlineMs, args.address);
      result.health = response.status;
    }
    const coordinator = new Coordinator(args.address, credentials);
    clients.push(coordinator);
    const response = await unary(
      coordinator,
      'ListConnectors',
      { group_id: args.groupId },
      args.deadlineMs,
      args.address,
    );
    result.names = response.names;
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } catch (err) {
    fail(1, err.message);
  } finally {
    for (const client of clients) client.close();
  }
}

main();
