import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Vitest's order runs projects one after another by name, so the browser files (half a minute
 * to three minutes each, the longest of the run) started last and ran on with the other workers
 * idle. They start first here; the quick files of the other projects fill the workers around them.
 */
export default class BrowserFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const browser = (spec: TestSpecification) => spec.moduleId.endsWith('.browser.test.ts');
    return [...sorted.filter(browser), ...sorted.filter((spec) => !browser(spec))];
  }
}
