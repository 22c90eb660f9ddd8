// The reward registry: the CLI's --reward names, help, dispatch and labels come from the entries the
// packages export; a reward registered from outside resolves like a built-in; an unknown name, a taken
// name and half the CLIP files are typed errors that say what was wrong.
import { describe, expect, it } from 'vitest';
import { BUILTIN_REWARDS, resolveReward, rewardLabel, rewardOptionHelp, REWARDS } from '@ddpo/cli';
import { MODEL_REWARD_ENTRIES } from '@ddpo/models';
import { defineReward, REWARD_ENTRIES, RewardRegistry, RewardSpecError, type RewardEntry } from '@ddpo/rewards';

describe('the reward registry', () => {
  it('is the entries of @ddpo/rewards and @ddpo/models, and the CLI reads its names from it', () => {
    expect(REWARDS.names()).toEqual([...REWARD_ENTRIES, ...MODEL_REWARD_ENTRIES].map((e) => e.name));
    expect([...BUILTIN_REWARDS].sort()).toEqual(['aesthetic', 'colorfulness', 'compressibility', 'incompressibility']);
    for (const n of BUILTIN_REWARDS) expect(rewardOptionHelp()).toContain(n);
    for (const e of REWARDS.entries()) expect(REWARDS.help()).toContain(e.help);
  });

  it('keeps the labels and aliases of the built-ins', async () => {
    expect(rewardLabel('compressibility')).toBe('jpeg-compressibility');
    expect(rewardLabel('incompressibility')).toBe('jpeg-incompressibility');
    const alias = await resolveReward('jpeg-compressibility');
    expect(alias.rewardName).toBe('jpeg_compressibility');
    expect(rewardLabel('jpeg-compressibility', alias)).toBe('jpeg_compressibility');
    expect(rewardLabel('colorfulness', await resolveReward('colorfulness'))).toBe('colorfulness');
  });

  it('creates an entry registered from outside; refuses a taken name and an unknown one', async () => {
    const flat: RewardEntry = { name: 'flat', help: 'always 1', create: () => defineReward('flat', (images) => new Array(images.shape[0]).fill(1)) };
    const reg = new RewardRegistry(REWARD_ENTRIES).register(flat);
    expect(reg.names()).toContain('flat');
    expect((await reg.create('flat')).rewardName).toBe('flat');
    expect(() => reg.register({ ...flat, name: 'colorfulness' })).toThrow(/'colorfulness' is already registered/);
    expect(() => reg.register({ ...flat, name: 'x', aliases: ['jpeg-compressibility'] })).toThrow(RewardSpecError);
    await expect(reg.create('beauty')).rejects.toThrow(/unknown reward 'beauty'; expected compressibility \| incompressibility \| colorfulness \| flat/);
  });

  it('turns an entry\'s RewardSpecError into a usage error naming the missing flag', async () => {
    await expect(resolveReward('aesthetic', { clipEncoder: 'enc.onnx' })).rejects.toThrow(/needs both --clip-encoder .* and --aesthetic-head/);
    await expect(resolveReward('aesthetic', { clipEncoder: '/nonexistent/enc.onnx', aestheticHead: '/nonexistent/head.safetensors' })).rejects.toThrow(/--clip-encoder: no such file/);
  });
});
