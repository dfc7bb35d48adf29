/**
 * Preference pairs from SFT data: the reference response is chosen; the rejected one is, in
 * turn, a response to a different prompt (off-topic) or the reference cut to its first third
 * (incomplete), so a reward model learns relevance and completeness.
 */
import { seededRandom } from './random.js';

export interface SftLike {
  prompt: string;
  response: string;
}

export interface SynthPreference {
  prompt: string;
  chosen: string;
  rejected: string;
}

export function synthesizePreferences(records: readonly SftLike[], seed = 42): SynthPreference[] {
  if (records.length < 2) throw new RangeError('synth-preference needs at least 2 SFT records');
  const random = seededRandom(seed);
  return records.map((r, i) => {
    let rejected: string;
    if (i % 2 === 0) {
      let j = Math.floor(random() * (records.length - 1));
      if (j >= i) j++; // any other record
      rejected = (records[j] as SftLike).response;
    } else {
      const chars = [...r.response];
      rejected = chars.slice(0, Math.max(1, Math.floor(chars.length / 3))).join('');
    }
    if (rejected === r.response) rejected = `${r.response.slice(0, Math.max(1, Math.floor(r.response.length / 3)))}`;
    return { prompt: r.prompt, chosen: r.response, rejected };
  });
}
