// Node `ws` peer for the scale benchmark, with the heartbeat pattern from the `ws` README
// ("How to detect and close broken connections?"): one interval for all clients; a client
// that has not answered the previous tick's ping is terminated (no close frame).
//
// Usage: node node_server.js --interval-ms I [--max-secs S]
// Prints `LISTENING <port>`; exits when stdin closes or after --max-secs.
'use strict';

const { WebSocketServer } = require('ws');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const intervalMs = arg('--interval-ms', 10000);
const maxSecs = arg('--max-secs', 900);

function heartbeat() {
  this.isAlive = true;
}

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, backlog: 4096 });

wss.on('connection', (ws) => {
  ws.isAlive = true;
  ws.on('error', () => {});
  ws.on('pong', heartbeat);
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});

const interval = setInterval(() => {
  wss.clients.forEach((ws) => {
    if (ws.isAlive === false) return ws.terminate();
    ws.isAlive = false;
    ws.ping();
  });
}, intervalMs);

wss.on('close', () => clearInterval(interval));
wss.on('listening', () => console.log(`LISTENING ${wss.address().port}`));

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
setTimeout(() => process.exit(0), maxSecs * 1000).unref();
