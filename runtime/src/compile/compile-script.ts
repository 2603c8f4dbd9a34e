import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { sdkTypes } from '../sdk-types.ts';

export type ScriptLanguage = 'typescript' | 'javascript';

/** A problem found at save, at a position of the source the author wrote (1-based). */
export interface CompileProblem {
  line: number;
  column: number;
  message: string;
  code: string;
}

/** What runs in the sandbox: an ES module whose default export is the handler. */
export interface CompiledScript {
  code: string;
  /** Source map from `code` back to the source (v3 JSON), for stack traces. */
  sourceMap: string;
  /** sha256 of `code`: the key compiled modules are cached under. */
  hash: string;
}

export type CompileResult = { ok: true; script: CompiledScript } | { ok: false; errors: CompileProblem[] };

const SOURCE_NAME = 'script.ts';
const SOURCE_NAME_JS = 'script.js';
const SDK_NAME = 'protean-sdk.d.ts';
const LIB = 'lib.es2022.d.ts';
const libDir = dirname(createRequire(import.meta.url).resolve('typescript/lib/lib.d.ts'));
// Library declarations are the same for every script: parsed once per process.
const libFiles = new Map<string, ts.SourceFile | undefined>();
let sdkFile: ts.SourceFile | undefined;

const options: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ES2022,
  lib: [LIB],
  types: [],
  strict: true,
  noEmitOnError: true,
  sourceMap: true,
  // JavaScript sources would otherwise be emitted over themselves.
  outDir: 'out',
  allowJs: true,
  checkJs: false,
  isolatedModules: true,
  noImplicitReturns: false,
  skipLibCheck: true,
  newLine: ts.NewLineKind.LineFeed,
};

/**
 * Compiles a script at save: TypeScript is type-checked against the SDK (so `ctx.records.qurey`
 * is an error shown beside the line), JavaScript is checked for syntax; both must export a
 * default handler and import nothing at run time. The errors are positions in the source.
 */
export function compileScript(source: string, language: ScriptLanguage): CompileResult {
  const name = language === 'typescript' ? SOURCE_NAME : SOURCE_NAME_JS;
  const scriptFile = ts.createSourceFile(name, source, ts.ScriptTarget.ES2022, true, language === 'typescript' ? ts.ScriptKind.TS : ts.ScriptKind.JS);
  sdkFile ??= ts.createSourceFile(SDK_NAME, sdkTypes(), ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const outputs = new Map<string, string>();
  const host: ts.CompilerHost = {
    getSourceFile(fileName) {
      if (fileName === name) return scriptFile;
      if (fileName === SDK_NAME) return sdkFile;
      const base = fileName.split('/').pop()!;
      if (!libFiles.has(base)) {
        let text: string | undefined;
        try {
          text = readFileSync(join(libDir, base), 'utf8');
        } catch {
          text = undefined;
        }
        libFiles.set(base, text === undefined ? undefined : ts.createSourceFile(base, text, ts.ScriptTarget.ES2022, true));
      }
      return libFiles.get(base);
    },
    getDefaultLibFileName: () => LIB,
    getDefaultLibLocation: () => '',
    writeFile: (fileName, text) => void outputs.set(fileName, text),
    getCurrentDirectory: () => '',
    getDirectories: () => [],
    fileExists: (fileName) => fileName === name || fileName === SDK_NAME || existsInLib(fileName),
    readFile: () => undefined,
    getCanonicalFileName: (fileName) => fileName,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => '\n',
  };
  const program = ts.createProgram({ rootNames: [name, SDK_NAME], options, host });
  const diagnostics = [...program.getSyntacticDiagnostics(scriptFile), ...(language === 'typescript' ? program.getSemanticDiagnostics(scriptFile) : [])];
  const errors = diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error).map((d) => problem(scriptFile, d.start ?? 0, ts.flattenDiagnosticMessageText(d.messageText, '\n'), `TS${d.code}`));
  errors.push(...moduleShapeProblems(scriptFile));
  if (errors.length) return { ok: false, errors };
  program.emit(scriptFile);
  const jsName = [...outputs.keys()].find((k) => k.endsWith('.js'));
  const mapName = [...outputs.keys()].find((k) => k.endsWith('.js.map'));
  if (!jsName || !mapName) return { ok: false, errors: [{ line: 1, column: 1, message: 'the script produced no output', code: 'emit' }] };
  const code = outputs.get(jsName)!.replace(/\n\/\/# sourceMappingURL=.*$/, '\n');
  return { ok: true, script: { code, sourceMap: outputs.get(mapName)!, hash: createHash('sha256').update(code).digest('hex') } };
}

function existsInLib(fileName: string): boolean {
  try {
    readFileSync(join(libDir, fileName.split('/').pop()!));
    return true;
  } catch {
    return false;
  }
}

function problem(file: ts.SourceFile, position: number, message: string, code: string): CompileProblem {
  const { line, character } = file.getLineAndCharacterOfPosition(position);
  return { line: line + 1, column: character + 1, message, code };
}

/** A script is a module with a default export and no run-time imports: the sandbox has no modules to give it. */
function moduleShapeProblems(file: ts.SourceFile): CompileProblem[] {
  const problems: CompileProblem[] = [];
  let hasDefault = false;
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement) && !statement.importClause?.isTypeOnly) {
      const named = statement.importClause?.namedBindings;
      const allTypes = named && ts.isNamedImports(named) && !statement.importClause?.name && named.elements.every((e) => e.isTypeOnly);
      if (!allTypes) problems.push(problem(file, statement.getStart(), "scripts cannot import modules at run time; use ctx, or 'import type' from '@protean/sdk'", 'import'));
    }
    if (ts.isExportAssignment(statement) && !statement.isExportEquals) hasDefault = true;
    if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)) hasDefault = true;
    if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause) && statement.exportClause.elements.some((e) => e.name.text === 'default')) hasDefault = true;
  }
  if (!hasDefault) problems.push({ line: 1, column: 1, message: 'a script exports its handler: export default async function (ctx, input) { … }', code: 'default-export' });
  return problems;
}
