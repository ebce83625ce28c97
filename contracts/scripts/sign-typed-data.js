#!/usr/bin/env node
// Signs a microsettle quote's EIP-712 typedData with a wallet key, as any wallet would
// (eth_signTypedData_v4), using ethers. Prints the 65-byte signature as 0x-hex.
//
//   node scripts/sign-typed-data.js --key 0x<private key> <quote.json | ->
//
// The input is the quote returned by POST /v1/quotes (its `typedData` is signed) or the
// typedData object itself.
'use strict';
const fs = require('fs');
const { Wallet } = require('ethers');

function usage(message) {
  if (message) console.error(`sign-typed-data: ${message}`);
  console.error('usage: node scripts/sign-typed-data.js --key 0x<private key> <quote.json | ->');
  process.exit(2);
}

async function main() {
  const args = process.argv.slice(2);
  const keyIndex = args.indexOf('--key');
  if (keyIndex < 0 || !args[keyIndex + 1]) usage('--key is required');
  const key = args[keyIndex + 1];
  const rest = args.filter((_, i) => i !== keyIndex && i !== keyIndex + 1);
  if (rest.length !== 1) usage('one input file (or - for standard input) is required');
  const text = rest[0] === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(rest[0], 'utf8');
  const parsed = JSON.parse(text);
  const typedData = parsed.typedData ?? parsed;
  if (!typedData.domain || !typedData.types || !typedData.message) usage('input has no EIP-712 typedData');
  // ethers derives EIP712Domain from the domain itself and refuses it among the types.
  const types = { ...typedData.types };
  delete types.EIP712Domain;
  const wallet = new Wallet(key);
  const signature = await wallet.signTypedData(typedData.domain, types, typedData.message);
  process.stdout.write(signature + '\n');
}

main().catch((error) => {
  console.error(`sign-typed-data: ${error.message}`);
  process.exit(1);
});
