/**
 * Critic warm-up: a value model learns to score teacher responses above the frozen actor's own.
 * @example
 * const result = await runCritic(loadConfig('examples/configs/critic.yaml'));
 */
export { runCritic } from './run.js';
export { criticAlgorithm } from './algorithm.js';
export type { CriticPair, CriticAlgorithmOptions } from './algorithm.js';
export { compareTeacherStudent, sequenceScores, responseMask } from './scoring.js';
export type { TeacherStudentComparison } from './scoring.js';
export { attachStudents, generationSettings } from './students.js';
