import { validateSync } from 'class-validator';
import { charCount, IsNotBlank, IsStorableText, MaxChars, MinChars } from './text.validators';

class Sample {
  @MaxChars(5)
  @MinChars(2)
  @IsNotBlank()
  @IsStorableText()
  text!: unknown;
}

function errorsFor(text: unknown): string[] {
  const sample = Object.assign(new Sample(), { text });
  return validateSync(sample).flatMap((e) => Object.values(e.constraints ?? {}));
}

describe('text validators', () => {
  it('counts code points, so an emoji is one character', () => {
    expect(charCount('🎉')).toBe(1);
    expect('🎉'.length).toBe(2);
    expect(charCount('héllo')).toBe(5);
    expect(charCount('')).toBe(0);
  });

  it('accepts text within the limits, emoji included', () => {
    expect(errorsFor('🎉🎉🎉🎉🎉')).toEqual([]);
    expect(errorsFor('ab')).toEqual([]);
  });

  it('names the property and the limit', () => {
    expect(errorsFor('abcdef')).toEqual(['text must be at most 5 characters']);
    expect(errorsFor('a')).toEqual(['text must be at least 2 characters']);
  });

  it('rejects whitespace-only text', () => {
    expect(errorsFor('  \t ')).toContain('text must not be empty or only whitespace');
  });

  it('rejects NUL and unpaired surrogates', () => {
    expect(errorsFor('a\0b')).toEqual([
      'text must not contain NUL characters or unpaired surrogates',
    ]);
    expect(errorsFor('ab\ud800')).toEqual([
      'text must not contain NUL characters or unpaired surrogates',
    ]);
  });

  it('fails every check for a non-string', () => {
    expect(errorsFor(42)).toHaveLength(4);
  });
});
