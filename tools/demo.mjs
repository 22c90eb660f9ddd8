// Placeholder main job until the CLI lands: replaced by `ddpo compare` (see README).
console.log('@ddpo: the main job (ddpo compare) is not built yet; see README.md for what works today.');
