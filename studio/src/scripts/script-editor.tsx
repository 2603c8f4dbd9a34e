import { useEffect, useRef } from 'react';
import { EditorView, basicSetup } from 'codemirror';
import { javascript } from '@codemirror/lang-javascript';
import { autocompletion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { linter, type Diagnostic } from '@codemirror/lint';
import { Compartment, EditorState } from '@codemirror/state';
import { scriptsApi, type CompileProblem } from '../api/scripts.ts';
import { membersAt, parseSdk, type SdkMember } from './sdk-completions.ts';

interface Props {
  value: string;
  onChange: (source: string) => void;
  language: 'typescript' | 'javascript';
  kind: string;
  /** The problems of the last save or check, shown at their lines. */
  problems: CompileProblem[];
  label: string;
}

/**
 * The script editor: CodeMirror with TypeScript highlighting, completion of `ctx.` and `input.`
 * from the SDK's declarations, and the compiler's errors marked at their lines (checked by the
 * server as the author types, the same check a save makes).
 */
export function ScriptEditor({ value, onChange, language, kind, problems, label }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const sdk = useRef<Map<string, SdkMember[]>>(new Map());
  const latest = useRef({ onChange, kind, problems, language });
  latest.current = { onChange, kind, problems, language };
  const languageSlot = useRef(new Compartment());

  useEffect(() => {
    void scriptsApi.sdk().then((text) => (sdk.current = parseSdk(text)), () => undefined);
  }, []);

  useEffect(() => {
    if (!host.current) return;
    const complete = (context: CompletionContext): CompletionResult | null => {
      const before = context.matchBefore(/[\w$]+(?:\.[\w$]*)+$/);
      if (!before) return null;
      const dot = before.text.lastIndexOf('.');
      const members = membersAt(sdk.current, before.text.slice(0, dot), latest.current.kind);
      if (!members.length) return null;
      return {
        from: before.from + dot + 1,
        options: members.map((m) => ({ label: m.name, type: m.kind, detail: m.detail, info: m.info || undefined })),
        validFor: /^[\w$]*$/,
      };
    };
    // Checked by the server's compiler a moment after typing stops.
    const check = linter(
      async (v): Promise<Diagnostic[]> => {
        const source = v.state.doc.toString();
        let found: CompileProblem[];
        try {
          found = (await scriptsApi.compile(latest.current.language, source)).errors;
        } catch {
          found = latest.current.problems;
        }
        return found.map((p) => {
          const line = v.state.doc.line(Math.min(Math.max(1, p.line), v.state.doc.lines));
          const from = Math.min(line.from + Math.max(0, p.column - 1), line.to);
          return { from, to: Math.max(from, line.to), severity: 'error', message: p.message };
        });
      },
      { delay: 600 },
    );
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          basicSetup,
          languageSlot.current.of(javascript({ typescript: language === 'typescript' })),
          autocompletion({ override: [complete] }),
          check,
          EditorView.contentAttributes.of({ 'aria-label': label }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) latest.current.onChange(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => editor.destroy();
    // The editor is made once; value changes from outside are applied below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== value) editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
  }, [value]);

  useEffect(() => {
    view.current?.dispatch({ effects: languageSlot.current.reconfigure(javascript({ typescript: language === 'typescript' })) });
  }, [language]);

  return <div className="script-editor" ref={host} data-testid="script-editor" />;
}
