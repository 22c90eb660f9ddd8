// nx release's version actions for the @ddpo packages: read and write `version` in each package.json
// and the exact versions of its @ddpo dependencies (nx's own JavaScript implementation lives in the
// @nx/js plugin, which this workspace does not install; these few lines do the part we need).
// Configured in nx.json (release.version.versionActions); used by `npx nx release`.
const { VersionActions } = require('nx/release');
const path = require('node:path');

const COLLECTIONS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];

function readJson(tree, file) {
  return JSON.parse(tree.read(file, 'utf-8'));
}

function writeJson(tree, file, value) {
  tree.write(file, JSON.stringify(value, null, 2) + '\n');
}

class PackageJsonVersionActions extends VersionActions {
  validManifestFilenames = ['package.json'];

  get manifestPath() {
    return path.posix.join(this.projectGraphNode.data.root, 'package.json');
  }

  async readCurrentVersionFromSourceManifest(tree) {
    const pkg = readJson(tree, this.manifestPath);
    return { currentVersion: pkg.version, manifestPath: this.manifestPath };
  }

  async readCurrentVersionFromRegistry() {
    // the packages are versioned from their package.json files ("disk"), never from a registry
    return null;
  }

  async readCurrentVersionOfDependency(tree, projectGraph, dependencyProjectName) {
    const depRoot = projectGraph.nodes[dependencyProjectName].data.root;
    const depName = readJson(tree, path.posix.join(depRoot, 'package.json')).name;
    const pkg = readJson(tree, this.manifestPath);
    for (const collection of COLLECTIONS) {
      if (pkg[collection]?.[depName] !== undefined) return { currentVersion: pkg[collection][depName], dependencyCollection: collection };
    }
    return { currentVersion: null, dependencyCollection: null };
  }

  async updateProjectVersion(tree, newVersion) {
    const logs = [];
    for (const { manifestPath } of this.manifestsToUpdate) {
      const pkg = readJson(tree, manifestPath);
      pkg.version = newVersion;
      writeJson(tree, manifestPath, pkg);
      logs.push(`New version ${newVersion} written to manifest: ${manifestPath}`);
    }
    return logs;
  }

  async updateProjectDependencies(tree, projectGraph, dependenciesToUpdate) {
    const logs = [];
    const byName = Object.fromEntries(
      Object.entries(dependenciesToUpdate).map(([project, version]) => [readJson(tree, path.posix.join(projectGraph.nodes[project].data.root, 'package.json')).name, version]),
    );
    for (const { manifestPath } of this.manifestsToUpdate) {
      const pkg = readJson(tree, manifestPath);
      let n = 0;
      for (const collection of COLLECTIONS) {
        for (const [name, version] of Object.entries(byName)) {
          if (pkg[collection]?.[name] !== undefined) {
            pkg[collection][name] = version;
            n++;
          }
        }
      }
      if (n > 0) {
        writeJson(tree, manifestPath, pkg);
        logs.push(`Updated ${n} dependenc${n === 1 ? 'y' : 'ies'} in manifest: ${manifestPath}`);
      }
    }
    return logs;
  }
}

module.exports = PackageJsonVersionActions;
module.exports.default = PackageJsonVersionActions;
