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

describe("resolveReward('colorfulness')", () => {
  it('is the Hasler–Süsstrunk reward: 0 for grey, higher for a saturated image', async () => {
    const reward = await resolveReward('colorfulness');
    expect(reward.rewardName).toBe('colorfulness');
    const grey = new Float32Array(2 * 3 * 4).fill(0.5);
    grey.fill(1, 12, 16); // image 1, red plane
    grey.fill(0, 16, 24); // image 1: green and blue planes -> pure red
    const r = await reward(new HostTensor('float32', [2, 3, 2, 2], grey), ['red circle', 'red circle']);
    expect(r[0]).toBe(0);
    expect(r[1]).toBeCloseTo((0.3 * Math.hypot(255, 127.5)) / 100, 10);
  });
});
