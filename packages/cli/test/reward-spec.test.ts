// `--reward aesthetic` without CLIP files resolves to the shipped shapes-32 stand-in reward model,
// which says what it is (procedural ratings, not LAION) the first time it scores.
import { describe, expect, it, vi } from 'vitest';
import { resolveReward } from '@ddpo/cli';
import { generateShapes32 } from '@ddpo/models';
import { HostTensor } from '@ddpo/tensor';

describe('resolveReward', () => {
  it("'aesthetic' with no CLIP files is the shapes-32 stand-in, with its notice", async () => {
    const reward = await resolveReward('aesthetic');
    expect(reward.rewardName).toBe('shapes32_aesthetic');
    const { images } = generateShapes32({ seed: 3, count: 4 });
    const unit = new HostTensor('float32', images.shape, Float32Array.from(images.data as Float32Array, (v) => (v + 1) / 2));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const r = await reward(unit, ['red circle', 'red circle', 'red circle', 'red circle']);
    expect(r.length).toBe(4);
    expect([...r].every(Number.isFinite)).toBe(true);
    expect(warn.mock.calls.flat().join(' ')).toMatch(/stand-in|procedural/i);
    warn.mockRestore();
  });
});
