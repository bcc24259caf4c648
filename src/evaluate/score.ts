import type { Generator } from '../generate/generator.ts';
import type { Answer } from '../types.ts';
import type { Question } from '../dataset/questions.ts';
import { isAnswerable } from '../dataset/questions.ts';
import { containment, exactMatch, tokenF1 } from './metrics/answer.ts';
import { lexicalSupport } from './metrics/faithfulness.ts';
import { askJudge, correctnessPrompt, faithfulnessPrompt, type JudgeVerdict } from './metrics/judge.ts';
import { ndcg, reciprocalRank, recallAtK } from './metrics/retrieval.ts';
import type { RowScores } from './row.ts';

/** Scores one answer against its question: pure apart from the optional judge calls. */
export function scoreAnswer(question: Question, answer: Answer): RowScores {
  const references = question.answers;
  const gold = isAnswerable(question) ? (question.goldDocIds ?? []) : [];
  const hits = answer.retrieved.map((hit) => ({ docId: hit.docId, score: hit.score }));
  const retrievalApplies = gold.length > 0 && answer.retrieved.length > 0;
  return {
    exactMatch: exactMatch(answer.answer, references),
    f1: tokenF1(answer.answer, references),
    containment: containment(answer.answer, references),
    judgeCorrect: null,
    faithfulness: answer.abstained
      ? null
      : lexicalSupport(
          answer.answer,
          answer.retrieved.map((hit) => hit.text),
        ),
    recallAtK: retrievalApplies ? recallAtK(hits, gold, hits.length) : null,
    mrr: retrievalApplies ? reciprocalRank(hits, gold) : null,
    ndcg10: retrievalApplies ? ndcg(hits, gold, 10) : null,
  };
}

/** The judge's verdicts: correctness where there are references, faithfulness where the answer claims something. */
export async function judgeAnswer(
  judge: Generator,
  question: Question,
  answer: Answer,
  signal?: AbortSignal,
): Promise<{ correctness?: JudgeVerdict; faithfulness?: JudgeVerdict }> {
  const verdicts: { correctness?: JudgeVerdict; faithfulness?: JudgeVerdict } = {};
  if (question.answers.length > 0)
    verdicts.correctness = await askJudge(
      judge,
      correctnessPrompt(question.question, question.answers, answer.answer),
      signal,
    );
  if (!answer.abstained && answer.answer.trim() !== '') {
    verdicts.faithfulness = await askJudge(
      judge,
      faithfulnessPrompt(
        answer.answer,
        answer.retrieved.map((hit) => hit.text),
      ),
      signal,
    );
  }
  return verdicts;
}
