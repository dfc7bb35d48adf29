/**
 * TFRecord framing, the container of TensorBoard event files. Each record is
 * `uint64 length · uint32 maskedCrc32c(length) · data · uint32 maskedCrc32c(data)`, little endian.
 */
import { maskedCrc32c } from './crc32c.js';

/** Frames one record. */
export function encodeTfRecord(data: Uint8Array): Buffer {
  const out = Buffer.alloc(8 + 4 + data.length + 4);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}

/** Splits a TFRecord file into its records; throws naming the record whose length or data CRC is wrong. */
export function decodeTfRecords(bytes: Uint8Array): Uint8Array[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let offset = 0;
  while (offset < buf.length) {
    if (offset + 12 > buf.length) throw new RangeError(`decodeTfRecords: truncated header of record ${records.length} at byte ${offset}`);
    const length = Number(buf.readBigUInt64LE(offset));
    if (buf.readUInt32LE(offset + 8) !== maskedCrc32c(buf.subarray(offset, offset + 8))) {
      throw new RangeError(`decodeTfRecords: bad length CRC in record ${records.length} at byte ${offset}`);
    }
    const start = offset + 12;
    if (start + length + 4 > buf.length) throw new RangeError(`decodeTfRecords: truncated record ${records.length} at byte ${offset}`);
    const data = buf.subarray(start, start + length);
    if (buf.readUInt32LE(start + length) !== maskedCrc32c(data)) {
      throw new RangeError(`decodeTfRecords: bad data CRC in record ${records.length} at byte ${offset}`);
    }
    records.push(data);
    offset = start + length + 4;
  }
  return records;
}
