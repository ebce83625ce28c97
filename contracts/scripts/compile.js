#!/usr/bin/env node
// Compiles every contracts/src/*.sol with solc-js (standard JSON) and writes
// <out>/<Name>.abi (JSON ABI) and <out>/<Name>.bin (creation bytecode, hex, no 0x).
// Usage: node scripts/compile.js --out <dir>
// Settings are the same as foundry.toml (see SETTINGS below); keep them in step.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const ROOT = path.resolve(__dirname, '..');
const SRC = path.join(ROOT, 'src');
const NODE_MODULES = path.join(ROOT, 'node_modules');
const EMIT = ['TestStablecoin', 'SettlementEscrow'];

// Keep in step with foundry.toml ([profile.default]).
const SETTINGS = {
  evmVersion: 'shanghai',
  optimizer: { enabled: true, runs: 10000 },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
};

function usage(msg) {
  if (msg) console.error(msg);
  console.error('usage: node scripts/compile.js --out <dir>');
  process.exit(2);
}

function parseArgs(argv) {
  let out = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') out = argv[++i];
    else if (argv[i].startsWith('--out=')) out = argv[i].slice(6);
    else if (argv[i] === '-h' || argv[i] === '--help') usage();
    else usage(`unknown argument: ${argv[i]}`);
  }
  if (!out) usage('missing --out <dir>');
  return { out: path.resolve(out) };
}

function findImport(name) {
  const candidates = [];
  if (name.startsWith('@openzeppelin/')) candidates.push(path.join(NODE_MODULES, name));
  else candidates.push(path.join(ROOT, name), path.join(NODE_MODULES, name));
  for (const file of candidates) {
    if (fs.existsSync(file)) return { contents: fs.readFileSync(file, 'utf8') };
  }
  return { error: `File not found: ${name}` };
}

function main() {
  const { out } = parseArgs(process.argv.slice(2));
  const sources = {};
  for (const f of fs.readdirSync(SRC).filter((f) => f.endsWith('.sol')).sort()) {
    sources[`src/${f}`] = { content: fs.readFileSync(path.join(SRC, f), 'utf8') };
  }
  const input = { language: 'Solidity', sources, settings: SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport }));
  const diagnostics = output.errors || [];
  const errors = diagnostics.filter((e) => e.severity === 'error');
  for (const d of diagnostics) {
    // Warnings from our own sources only (library warnings are not ours to fix).
    const file = d.sourceLocation && d.sourceLocation.file;
    if (d.severity !== 'error' && (!file || file.startsWith('src/'))) console.error(d.formattedMessage || d.message);
  }
  if (errors.length) {
    for (const e of errors) console.error(e.formattedMessage || e.message);
    console.error(`compile failed: ${errors.length} error(s)`);
    process.exit(1);
  }
  fs.mkdirSync(out, { recursive: true });
  for (const name of EMIT) {
    const unit = output.contracts[`src/${name}.sol`];
    const c = unit && unit[name];
    if (!c) {
      console.error(`contract ${name} not found in compiler output`);
      process.exit(1);
    }
    fs.writeFileSync(path.join(out, `${name}.abi`), JSON.stringify(c.abi));
    fs.writeFileSync(path.join(out, `${name}.bin`), c.evm.bytecode.object);
    console.log(`wrote ${name}.abi, ${name}.bin (${c.evm.bytecode.object.length / 2} bytes)`);
  }
}

main();
