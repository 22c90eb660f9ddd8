// Prints one closing line, `vitest: N passed, N failed, N skipped`, which CI logs can be read by, and
// before it the outermost suite of each skipped test once (GPU suites carry the reason in their name).
import type { Reporter, TestCase, TestModule } from 'vitest/node';

/** The name of the outermost describe around `test`, or the file when there is none. */
function outermost(test: TestCase): string {
  let node: TestCase['parent'] = test.parent;
  let name = test.module.moduleId;
  while (node.type === 'suite') {
    name = node.name;
    node = node.parent;
  }
  return name;
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const skippedSuites = new Set<string>();
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else {
          skipped++;
          skippedSuites.add(outermost(test));
        }
      }
    }
    for (const name of skippedSuites) process.stdout.write(`skipped: ${name}\n`);
    process.stdout.write(`vitest: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
