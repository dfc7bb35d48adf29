/**
 * Technical Q&A facts in English and Chinese from which the built-in sample datasets are made.
 * Each has a good answer and a poor one (vague, wrong or unhelpful) for preference pairs.
 */
export interface Fact {
  question: { en: string; zh: string };
  answer: { en: string; zh: string };
  /** A plausible but worse answer: the rejected side of a preference pair. */
  poor: { en: string; zh: string };
  /** A short reference for rule-based rewards and evaluation. */
  reference: string;
}

export const FACTS: readonly Fact[] = [
  {
    question: { en: 'What does a learning rate control in gradient descent?', zh: '梯度下降中的学习率控制什么？' },
    answer: { en: 'The learning rate scales each update: parameters move by learning rate times the gradient, so too large a value diverges and too small a value trains slowly.', zh: '学习率决定每次更新的步长：参数按学习率乘以梯度移动，太大容易发散，太小训练很慢。' },
    poor: { en: 'It controls how fast the computer runs.', zh: '它控制电脑运行的速度。' },
    reference: 'step size',
  },
  {
    question: { en: 'Why do transformers use positional encodings?', zh: '为什么 Transformer 需要位置编码？' },
    answer: { en: 'Self-attention is permutation invariant, so positional encodings such as RoPE inject token order into the queries and keys.', zh: '自注意力对顺序不敏感，位置编码（例如 RoPE）把词的顺序信息加入查询和键中。' },
    poor: { en: 'Because the model needs to know the GPU position.', zh: '因为模型需要知道 GPU 的位置。' },
    reference: 'order',
  },
  {
    question: { en: 'What is the KV cache in text generation?', zh: '文本生成中的 KV 缓存是什么？' },
    answer: { en: 'It stores the keys and values of tokens already processed, so each new token attends to them without recomputing the whole prefix.', zh: '它保存已处理词元的键和值，生成新词元时无需重新计算整个前缀。' },
    poor: { en: 'A cache for keyboard and video input.', zh: '用于键盘和视频输入的缓存。' },
    reference: 'keys and values',
  },
  {
    question: { en: 'What does DPO optimise?', zh: 'DPO 优化的目标是什么？' },
    answer: { en: 'Direct Preference Optimization raises the log-probability ratio of chosen over rejected responses relative to a frozen reference model, with no separate reward model.', zh: '直接偏好优化相对于冻结的参考模型，提高被选回答相对于被拒回答的对数概率比，不需要单独的奖励模型。' },
    poor: { en: 'It makes the model output shorter answers.', zh: '它让模型输出更短的回答。' },
    reference: 'preference',
  },
  {
    question: { en: 'What is gradient clipping for?', zh: '梯度裁剪有什么作用？' },
    answer: { en: 'It rescales gradients whose global norm exceeds a threshold, preventing single large updates from destabilising training.', zh: '当梯度的全局范数超过阈值时按比例缩小梯度，防止过大的更新破坏训练稳定性。' },
    poor: { en: 'It deletes the gradients that are negative.', zh: '它删除所有为负的梯度。' },
    reference: 'norm',
  },
  {
    question: { en: 'What is LoRA?', zh: '什么是 LoRA？' },
    answer: { en: 'Low-Rank Adaptation freezes the base weights and trains a low-rank update BA added to selected linear layers, cutting trainable parameters sharply.', zh: '低秩适配冻结原始权重，只训练加在部分线性层上的低秩增量 BA，大幅减少可训练参数。' },
    poor: { en: 'A long-range radio protocol used by the model.', zh: '模型使用的一种远距离无线协议。' },
    reference: 'low-rank',
  },
  {
    question: { en: 'Why is weight decay decoupled in AdamW?', zh: 'AdamW 为什么要解耦权重衰减？' },
    answer: { en: 'Adding L2 to the gradient lets Adam rescale the penalty per parameter; AdamW shrinks weights directly so decay is the same for every parameter.', zh: '把 L2 加到梯度上会被 Adam 按参数缩放；AdamW 直接缩小权重，使每个参数的衰减一致。' },
    poor: { en: 'Because decay makes the optimizer slower.', zh: '因为衰减会让优化器变慢。' },
    reference: 'decoupled',
  },
  {
    question: { en: 'What is the role of the reward model in RLHF?', zh: '奖励模型在 RLHF 中起什么作用？' },
    answer: { en: 'It is trained on human preference pairs to score responses, and its scores become the reward that PPO maximises.', zh: '它在人类偏好对上训练，为回答打分，这个分数就是 PPO 要最大化的奖励。' },
    poor: { en: 'It pays the annotators.', zh: '它负责给标注员发工资。' },
    reference: 'score',
  },
  {
    question: { en: 'What is GRPO?', zh: '什么是 GRPO？' },
    answer: { en: 'Group Relative Policy Optimization samples several responses per prompt and uses each reward minus the group mean, divided by the group std, as the advantage, so no value model is needed.', zh: '组相对策略优化为每个提示采样多个回答，用奖励减去组均值再除以组标准差作为优势，因此不需要价值模型。' },
    poor: { en: 'A graphics rendering pipeline.', zh: '一种图形渲染管线。' },
    reference: 'group',
  },
  {
    question: { en: 'What does softmax temperature do when sampling?', zh: '采样时 softmax 温度有什么作用？' },
    answer: { en: 'Logits are divided by the temperature: below 1 sharpens the distribution towards greedy choices, above 1 flattens it for more diverse text.', zh: '对数几率除以温度：小于 1 使分布更尖锐、接近贪心，大于 1 使分布更平坦、文本更多样。' },
    poor: { en: 'It measures how hot the CPU gets.', zh: '它测量 CPU 的温度。' },
    reference: 'logits',
  },
  {
    question: { en: 'What is the difference between bfloat16 and float16?', zh: 'bfloat16 和 float16 有什么区别？' },
    answer: { en: 'bfloat16 keeps float32\'s 8 exponent bits with a 7-bit mantissa, so it has the same range but less precision; float16 has 5 exponent bits and overflows sooner.', zh: 'bfloat16 保留 float32 的 8 位指数、7 位尾数，范围相同但精度较低；float16 只有 5 位指数，更容易溢出。' },
    poor: { en: 'There is no difference.', zh: '它们没有区别。' },
    reference: 'exponent',
  },
  {
    question: { en: 'Why mask the prompt tokens in supervised fine-tuning?', zh: '监督微调时为什么要屏蔽提示词元？' },
    answer: { en: 'Setting prompt labels to -100 makes the loss cover only the response, so the model learns to answer rather than to repeat prompts.', zh: '把提示部分的标签设为 -100，损失只覆盖回答，模型学习的是回答而不是复述提示。' },
    poor: { en: 'To hide the prompt from the user.', zh: '为了不让用户看到提示。' },
    reference: '-100',
  },
];
