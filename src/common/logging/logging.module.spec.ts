import { prettyLogs } from './logging.module';

describe('prettyLogs', () => {
  it('prints readable lines on a development terminal when the format is auto', () => {
    expect(prettyLogs('auto', { isTTY: true, nodeEnv: undefined })).toBe(true);
    expect(prettyLogs('auto', { isTTY: true, nodeEnv: 'development' })).toBe(true);
  });

  it('keeps JSON in production, in pipes and when JSON is asked for', () => {
    expect(prettyLogs('auto', { isTTY: true, nodeEnv: 'production' })).toBe(false);
    expect(prettyLogs('auto', { isTTY: false, nodeEnv: undefined })).toBe(false);
    expect(prettyLogs('auto', { isTTY: undefined, nodeEnv: undefined })).toBe(false);
    expect(prettyLogs('json', { isTTY: true, nodeEnv: undefined })).toBe(false);
  });

  it('prints readable lines anywhere when asked to', () => {
    expect(prettyLogs('pretty', { isTTY: false, nodeEnv: 'production' })).toBe(true);
  });
});
