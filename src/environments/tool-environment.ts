/**
 * An environment of tools: each assistant turn with tool calls gets one tool message per call
 * and the episode goes on; the first turn without a tool call is the final answer, scored by
 * the environment's `score` and ending the episode.
 *
 * ```ts
 * const env = toolEnvironment({ name: 'search', tools: [lookup], score: (answer, start) => (answer === start.reference ? 1 : 0) });
 * ```
 */
import { parseToolCalls } from './tool-calls.js';
import { ToolBox } from './tools.js';
import type { Environment, EnvironmentFactory, EnvironmentStep, EpisodeStart, Tool } from './types.js';

export interface ToolEnvironmentOptions {
  name: string;
  tools: readonly Tool[];
  /** Reward of the final answer (the turn's text outside tool calls). */
  score(answer: string, start: EpisodeStart): number;
}

export function toolEnvironment(options: ToolEnvironmentOptions): EnvironmentFactory {
  const box = new ToolBox(options.tools);
  return {
    name: options.name,
    tools: box.schemas(),
    create: () => new ToolEpisode(box, options.score),
  };
}

class ToolEpisode implements Environment {
  private start: EpisodeStart | null = null;

  constructor(
    private readonly box: ToolBox,
    private readonly scoreAnswer: ToolEnvironmentOptions['score'],
  ) {}

  reset(start: EpisodeStart): void {
    this.start = start;
  }

  async step(assistantMessage: string): Promise<EnvironmentStep> {
    if (this.start === null) throw new Error('tool environment: step() before reset()');
    const turn = parseToolCalls(assistantMessage);
    if (turn.toolCalls.length === 0) return { messages: [], reward: this.scoreAnswer(turn.content, this.start), done: true, toolCalls: 0, toolErrors: 0 };
    const outcomes = [];
    for (const call of turn.toolCalls) outcomes.push(await this.box.call(call));
    return {
      messages: outcomes.map((o) => o.message),
      reward: 0,
      done: false,
      toolCalls: outcomes.length,
      toolErrors: outcomes.filter((o) => o.error).length,
    };
  }
}
