/**
 * THE esbuild settings of every function bundle, in esbuild's own terms, so that the CDK
 * stack (through NodejsFunction) and the bundle-size benchmark build exactly the same thing.
 */
import { resolve } from 'node:path';
import { type BundlingOptions, Charset, LogLevel, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/** The project root (package.json, package-lock.json, functions/). */
export const PROJECT_ROOT = resolve(import.meta.dirname, '../..');
/** Where the handlers live; route entries are relative to it. */
export const FUNCTIONS_DIR = resolve(PROJECT_ROOT, 'functions');

/** Makes `require` work inside the ESM bundle (CommonJS dependencies that call it at run time). */
export const ESM_REQUIRE_SHIM = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/** esbuild options of a function bundle (entry point and output are the caller's). */
export const BUNDLE_OPTIONS = {
  platform: 'node',
  format: 'esm',
  target: 'node24',
  mainFields: ['module', 'main'],
  minify: true,
  // Minified names would turn error class names in logs into single letters.
  keepNames: true,
  sourcemap: true,
  // Mappings are enough for stack traces (NODE_OPTIONS=--enable-source-maps); sources would double the asset.
  sourcesContent: false,
  charset: 'utf8',
  banner: { js: ESM_REQUIRE_SHIM },
  // Nothing external: the AWS SDK version is the one pinned in package-lock.json and tested,
  // not whichever the Lambda runtime happens to ship.
  external: [] as string[],
} as const satisfies BuildOptions;

/**
 * Modules a function loads only on the requests that need them (a dynamic `import()` of a
 * computed path), each built into a file of its own beside `index.mjs`, so cold init does not
 * even read their bytes. The module that imports one picks `.mjs` in a bundle, `.ts` from source.
 */
export const LAZY_MODULES = [{ entry: 'store/s3-objects.ts', outfile: 's3-objects.mjs' }] as const;

/** The esbuild command line that builds a lazy module into `outDir` with BUNDLE_OPTIONS. */
function lazyModuleCommand(entry: string, outFile: string): string {
  const esbuild = resolve(PROJECT_ROOT, 'node_modules', '.bin', 'esbuild');
  const o = BUNDLE_OPTIONS;
  return [
    `"${esbuild}"`,
    `"${resolve(FUNCTIONS_DIR, entry)}"`,
    '--bundle',
    `--platform=${o.platform}`,
    `--format=${o.format}`,
    `--target=${o.target}`,
    `--main-fields=${o.mainFields.join(',')}`,
    '--minify',
    '--keep-names',
    '--sourcemap',
    '--sources-content=false',
    `--charset=${o.charset}`,
    `"--banner:js=${o.banner.js}"`,
    '--log-level=error',
    `"--outfile=${outFile}"`,
  ].join(' ');
}

/** BUNDLE_OPTIONS as NodejsFunction bundling options (local esbuild only, never Docker). */
export function nodejsBundling(): BundlingOptions {
  return {
    forceDockerBundling: false,
    format: OutputFormat.ESM,
    target: BUNDLE_OPTIONS.target,
    mainFields: [...BUNDLE_OPTIONS.mainFields],
    minify: BUNDLE_OPTIONS.minify,
    keepNames: BUNDLE_OPTIONS.keepNames,
    sourceMap: BUNDLE_OPTIONS.sourcemap,
    sourceMapMode: SourceMapMode.DEFAULT,
    sourcesContent: BUNDLE_OPTIONS.sourcesContent,
    charset: Charset.UTF8,
    banner: BUNDLE_OPTIONS.banner.js,
    bundleAwsSDK: true,
    externalModules: [...BUNDLE_OPTIONS.external],
    logLevel: LogLevel.ERROR,
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir: string, outputDir: string) =>
        LAZY_MODULES.map((m) => lazyModuleCommand(m.entry, `${outputDir}/${m.outfile}`)),
    },
  };
}
