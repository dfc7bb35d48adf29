/**
 * The few TensorBoard protobuf messages a scalar logger needs, written with
 * @bufbuild/protobuf's wire-level BinaryWriter (no .proto codegen):
 *
 * ```proto
 * message Event   { double wall_time = 1; int64 step = 2; oneof what { string file_version = 3; Summary summary = 5; } }
 * message Summary { repeated Value value = 1; message Value { string tag = 1; float simple_value = 2; } }
 * ```
 */
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

/** One Event record: either the file-version header or a set of scalars at a step. */
export interface TbEvent {
  /** Seconds since the epoch. */
  wallTime: number;
  step: number;
  fileVersion?: string;
  scalars?: Record<string, number>;
}

/** Encodes an Event protobuf. */
export function encodeEvent(event: TbEvent): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, WireType.Bit64).double(event.wallTime);
  w.tag(2, WireType.Varint).int64(event.step);
  if (event.fileVersion !== undefined) w.tag(3, WireType.LengthDelimited).string(event.fileVersion);
  if (event.scalars !== undefined) {
    w.tag(5, WireType.LengthDelimited).fork();
    for (const [tag, value] of Object.entries(event.scalars)) {
      w.tag(1, WireType.LengthDelimited).fork();
      w.tag(1, WireType.LengthDelimited).string(tag);
      w.tag(2, WireType.Bit32).float(value);
      w.join();
    }
    w.join();
  }
  return w.finish();
}

/** Decodes what encodeEvent writes (other fields are skipped); used by tests and tools. */
export function decodeEvent(bytes: Uint8Array): TbEvent {
  const r = new BinaryReader(bytes);
  const event: TbEvent = { wallTime: 0, step: 0 };
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (field === 1 && wireType === WireType.Bit64) event.wallTime = r.double();
    else if (field === 2 && wireType === WireType.Varint) event.step = Number(r.int64());
    else if (field === 3 && wireType === WireType.LengthDelimited) event.fileVersion = r.string();
    else if (field === 5 && wireType === WireType.LengthDelimited) event.scalars = decodeSummary(r.bytes());
    else r.skip(wireType);
  }
  return event;
}

function decodeSummary(bytes: Uint8Array): Record<string, number> {
  const r = new BinaryReader(bytes);
  const scalars: Record<string, number> = {};
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (field !== 1 || wireType !== WireType.LengthDelimited) {
      r.skip(wireType);
      continue;
    }
    const v = new BinaryReader(r.bytes());
    let tag = '';
    let value = Number.NaN;
    while (v.pos < v.len) {
      const [f, wt] = v.tag();
      if (f === 1 && wt === WireType.LengthDelimited) tag = v.string();
      else if (f === 2 && wt === WireType.Bit32) value = v.float();
      else v.skip(wt);
    }
    scalars[tag] = value;
  }
  return scalars;
}
