#!/usr/bin/env node
// Runs the npm-installed forge binary (@foundry-rs/forge-<platform>) with the given arguments,
// from this package's directory. Usage: node scripts/forge.js test | snapshot --check | ...
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const scope = path.join(ROOT, 'node_modules', '@foundry-rs');

function findForge() {
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch] || process.arch;
  const preferred = path.join(scope, `forge-${process.platform}-${arch}`, 'bin', 'forge');
  if (fs.existsSync(preferred)) return preferred;
  if (fs.existsSync(scope)) {
    for (const d of fs.readdirSync(scope)) {
      const bin = path.join(scope, d, 'bin', 'forge');
      if (d.startsWith('forge-') && fs.existsSync(bin)) return bin;
    }
  }
  console.error('forge binary not found under node_modules/@foundry-rs; run `npm ci` in contracts/');
  process.exit(127);
}

const forge = findForge();
const r = spawnSync(forge, process.argv.slice(2), { cwd: ROOT, stdio: 'inherit' });
if (r.error) {
  console.error(r.error.message);
  process.exit(1);
}
process.exit(r.status === null ? 1 : r.status);
