/** Checkpoint I/O: safetensors files, byte-compatible with Python's safetensors, and sharded checkpoints. */
export {
  loadSafetensors, parseSafetensors, readSafetensorsMetadata, saveSafetensors, serializeSafetensors, SafetensorsError,
} from './safetensors.js';
export type { SafetensorsDtype, SafetensorsHeader, TensorDict, TensorInfo, TensorLoadOptions } from './safetensors.js';
export {
  DEFAULT_MAX_SHARD_BYTES, INDEX_FILE_NAME, loadCheckpoint, loadCheckpointLayout, loadShardedSafetensors, planShards,
  readCheckpointLayout, readShardIndex,
  saveShardedSafetensors, SINGLE_FILE_NAME,
} from './sharded.js';
export type { CheckpointLayout, ShardedSaveOptions, ShardedSaveResult, ShardIndex } from './sharded.js';
export { hubCacheDir, isHubId, locatePretrained } from './hub-cache.js';
export type { LocateOptions } from './hub-cache.js';
