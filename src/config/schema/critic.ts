/** `critic:` — critic (value model) warm-up: score teacher responses above the frozen actor's own. */
import { z } from 'zod';
import { STUDENT_SOURCES } from '../../data/datasets/critic-students.js';

export const CriticConfig = z
  .strictObject({
    value_model_path: z
      .string()
      .nullable()
      .default(null)
      .describe('Initial critic; null = model.name_or_path with a fresh score head (saved as *ForSequenceClassification, the PPO value-model layout).'),
    actor_model_path: z
      .string()
      .nullable()
      .default(null)
      .describe('Frozen actor that writes student responses where the data has none; null = model.name_or_path.'),
    student_source: z
      .enum(STUDENT_SOURCES)
      .default('auto')
      .describe('data: student_response from the records; generate: sampled from the actor (generation: section); auto: the record\'s when present, else generated.'),
    temperature: z.number().positive().default(1).describe('T in -log sigmoid((s_teacher - s_student) / T); the start value when adaptive.'),
    adaptive_temperature: z
      .boolean()
      .default(false)
      .describe('Set T to the running mean of |s_teacher - s_student| (clamped to [temperature_min, temperature_max]) so the loss never saturates.'),
    temperature_min: z.number().positive().default(0.1).describe('Lower clamp of the adaptive temperature.'),
    temperature_max: z.number().positive().default(10).describe('Upper clamp of the adaptive temperature.'),
    temperature_momentum: z.number().min(0).lt(1).default(0.9).describe('Weight of the past in the running |score difference| (adaptive temperature).'),
    randomize_order: z.boolean().default(true).describe('Randomise whether teacher or student rows come first in each forward pass.'),
  })
  .describe('Critic warm-up on teacher vs student responses (training.algorithm: critic).');

export type CriticConfig = z.infer<typeof CriticConfig>;
