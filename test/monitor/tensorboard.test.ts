import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { crc32c, decodeEvent, decodeTfRecords, encodeTfRecord, maskedCrc32c, TensorBoardWriter } from '../../src/monitor/index.js';

test('crc32c matches the standard test vector', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
});

test('TFRecord framing: length, masked CRC of length, data, masked CRC of data', () => {
  const data = Buffer.from('hello');
  const rec = encodeTfRecord(data);
  assert.equal(rec.length, 8 + 4 + 5 + 4);
  assert.equal(rec.readBigUInt64LE(0), 5n);
  assert.equal(rec.readUInt32LE(8), maskedCrc32c(rec.subarray(0, 8)));
  assert.equal(rec.readUInt32LE(17), maskedCrc32c(data));
  assert.deepEqual(decodeTfRecords(rec).map((r) => Buffer.from(r).toString()), ['hello']);
  rec[13] = rec[13]! ^ 1;
  assert.throws(() => decodeTfRecords(rec), /bad data CRC in record 0/);
});

test('TensorBoardWriter: file_version first, then scalar events read back with valid CRCs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tb-'));
  const tb = new TensorBoardWriter(dir);
  tb.addScalars(1, { 'train/loss': 2.5, 'train/lr': 1e-3 });
  tb.addScalar('train/loss', 1.25, 2);
  tb.close();
  const files = readdirSync(dir);
  assert.equal(files.length, 1);
  assert.match(files[0]!, /^events\.out\.tfevents\.\d+\..+$/);
  const events = decodeTfRecords(readFileSync(join(dir, files[0]!))).map(decodeEvent);
  assert.equal(events.length, 3);
  assert.equal(events[0]!.fileVersion, 'brain.Event:2');
  assert.ok(Math.abs(events[0]!.wallTime - Date.now() / 1000) < 60);
  assert.equal(events[1]!.step, 1);
  assert.equal(events[1]!.scalars!['train/loss'], 2.5);
  assert.equal(events[1]!.scalars!['train/lr'], Math.fround(1e-3));
  assert.deepEqual(events[2]!.scalars, { 'train/loss': 1.25 });
  assert.equal(events[2]!.step, 2);
  // A truncated tail (a killed run) is detected, not misread.
  const bytes = readFileSync(join(dir, files[0]!));
  writeFileSync(join(dir, 'cut'), bytes.subarray(0, bytes.length - 3));
  assert.throws(() => decodeTfRecords(readFileSync(join(dir, 'cut'))), /truncated record 2/);
});
