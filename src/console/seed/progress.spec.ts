import { Progress, type ProgressOutput } from './progress';

function output(isTTY: boolean): ProgressOutput & { text: string } {
  return {
    isTTY,
    text: '',
    write(chunk: string) {
      this.text += chunk;
      return true;
    },
  };
}

describe('Progress', () => {
  it('renders rows, rows/s and an ETA', () => {
    let now = 0;
    const progress = new Progress('seed', 1000, output(false), () => now);
    now = 2000;
    expect(progress.render(250)).toBe('seed 25% 250/1,000 rows, 125 rows/s, ETA 6s');
  });

  it('prints plain lines at each tenth when not on a terminal', () => {
    let now = 0;
    const out = output(false);
    const progress = new Progress('seed', 100, out, () => now);
    for (let done = 1; done <= 100; done++) {
      now += 10;
      progress.update(done);
    }
    const lines = out.text.trim().split('\n');
    expect(lines).toHaveLength(11);
    expect(lines.at(-1)).toMatch(/^seed 100% 100\/100 rows, [\d,]+ rows\/s, ETA 0s$/);
    expect(out.text).not.toContain('\r');
  });

  it('redraws one bar in place on a terminal, at most every 100 ms', () => {
    let now = 0;
    const out = output(true);
    const progress = new Progress('seed', 100, out, () => now);
    for (let done = 1; done <= 100; done++) {
      now += 10;
      progress.update(done);
    }
    progress.finish();
    expect(out.text.split('\r').length - 1).toBeLessThanOrEqual(11);
    expect(out.text).toMatch(/\[#{30}\] 100% 100\/100 rows/);
    expect(out.text.endsWith('\n')).toBe(true);
  });
});
