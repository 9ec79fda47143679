import { describe, expect, it } from 'vitest';
import type { FailureInput, FailureKind } from '../../src/agents/classify-failure.js';
import { classifyFailure, stderrDetail } from '../../src/agents/classify-failure.js';

const base: FailureInput = {
  agent: 'claude',
  exitCode: 0,
  final: 'success',
  errors: [],
  statuses: [],
  rateLimited: false,
  authFailed: false,
};

type Row = [string, Partial<FailureInput>, FailureKind | 'ok', boolean];

describe('classifyFailure', () => {
  const rows: Row[] = [
    ['exit 0 and a success event', {}, 'ok', false],
    ['exit 1 despite a success event', { exitCode: 1 }, 'error', true],
    ['an error event despite exit 0', { final: 'error', errors: ['API Error: 500'] }, 'error', true],
    ['no final event, exit 0', { final: null }, 'crash', true],
    ['no final event, killed', { final: null, exitCode: null }, 'crash', true],
    [
      'claude invalid api key',
      { exitCode: 1, final: 'error', errors: ['Invalid API key · Please run /login'] },
      'auth',
      false,
    ],
    ['claude authentication_failed', { exitCode: 1, final: 'error', authFailed: true }, 'auth', false],
    ['a 401 status', { final: 'error', statuses: [401] }, 'auth', false],
    [
      'codex not logged in',
      { agent: 'codex', exitCode: 1, final: null, stderrTail: 'Error: Not logged in' },
      'auth',
      false,
    ],
    ['gemini exit 41', { agent: 'gemini', exitCode: 41, final: null }, 'auth', false],
    [
      'claude rate limit event then failure',
      { exitCode: 1, final: 'error', rateLimited: true },
      'rate_limit',
      true,
    ],
    ['status 529', { exitCode: 1, final: 'error', statuses: [529] }, 'rate_limit', true],
    ['overloaded text', { exitCode: 1, final: null, errors: ['Overloaded'] }, 'rate_limit', true],
    [
      'codex 429 text',
      { agent: 'codex', exitCode: 1, final: 'error', errors: ['last status: 429 Too Many Requests'] },
      'rate_limit',
      true,
    ],
    ['claude error_max_turns', { exitCode: 1, final: 'error', limit: 'max_turns' }, 'max_turns', false],
    [
      'max turns beats an earlier rate limit',
      { final: 'error', limit: 'max_turns', rateLimited: true },
      'max_turns',
      false,
    ],
    ['claude budget', { final: 'error', limit: 'max_budget' }, 'max_budget', false],
    ['gemini exit 53', { agent: 'gemini', exitCode: 53, final: 'error' }, 'max_turns', false],
    ['gemini exit 52', { agent: 'gemini', exitCode: 52, final: null }, 'config', false],
    ['gemini exit 55 (untrusted folder)', { agent: 'gemini', exitCode: 55, final: null }, 'config', false],
    ['exit 53 means nothing for claude', { exitCode: 53, final: null }, 'crash', true],
    ['claude billing_error', { exitCode: 1, final: 'error', billingFailed: true }, 'billing', false],
    [
      'credit balance too low',
      { exitCode: 1, final: 'error', errors: ['Credit balance is too low'] },
      'billing',
      false,
    ],
    [
      'openai insufficient_quota',
      { agent: 'codex', exitCode: 1, final: 'error', errors: ['insufficient_quota'] },
      'billing',
      false,
    ],
    ['claude plan window', { exitCode: 1, final: 'error', usageLimited: true }, 'usage_limit', true],
    [
      'codex usage limit text',
      { agent: 'codex', exitCode: 1, final: 'error', errors: ["You've hit your usage limit."] },
      'usage_limit',
      true,
    ],
    [
      'model_not_found',
      { exitCode: 1, final: 'error', errors: ['model_not_found: no such model'] },
      'config',
      false,
    ],
    ['gemini 173 = HTTP 429', { agent: 'gemini', exitCode: 173, final: 'error' }, 'rate_limit', true],
    ['gemini 145 = HTTP 401', { agent: 'gemini', exitCode: 145, final: null }, 'auth', false],
    ['gemini 148 = HTTP 404 (model)', { agent: 'gemini', exitCode: 148, final: 'error' }, 'config', false],
    ['gemini 44 sandbox', { agent: 'gemini', exitCode: 44, final: null }, 'config', false],
    ['gemini 54 fatal tool error', { agent: 'gemini', exitCode: 54, final: null }, 'error', true],
    ['codex exit 2 (argument parser)', { agent: 'codex', exitCode: 2, final: null }, 'config', false],
  ];
  it.each(rows)('%s', (_name, input, kind, retryable) => {
    const verdict = classifyFailure({ ...base, ...input });
    if (kind === 'ok') {
      expect(verdict).toEqual({ ok: true });
      return;
    }
    expect(verdict).toMatchObject({ ok: false, kind, retryable });
  });

  it('says what went wrong on one line, auth first with how to fix it', () => {
    expect(
      classifyFailure({
        ...base,
        agent: 'gemini',
        exitCode: 41,
        final: null,
        stderrTail: 'x\nPlease set an Auth method\n',
      }),
    ).toEqual({
      ok: false,
      kind: 'auth',
      retryable: false,
      error:
        'authentication: gemini could not authenticate (run `gemini` once to sign in, or set GEMINI_API_KEY): Please set an Auth method',
    });
    expect(classifyFailure({ ...base, exitCode: 2, final: null })).toMatchObject({
      error: 'claude exited with code 2 without a final result',
    });
    expect(classifyFailure({ ...base, exitCode: 3 })).toMatchObject({
      error: 'claude reported success but exited with code 3',
    });
    expect(classifyFailure({ ...base, exitCode: 1, final: 'error', rateLimited: true })).toMatchObject({
      error: 'rate limited or overloaded, retry later: claude exited with code 1',
    });
  });

  it('picks the telling stderr line, not a stack frame', () => {
    expect(stderrDetail('warming up\nTypeError: x is undefined\n    at f (a.js:1:1)\n')).toBe(
      'TypeError: x is undefined',
    );
    expect(stderrDetail('just a line\n\n')).toBe('just a line');
    expect(stderrDetail('')).toBe('');
  });
});
