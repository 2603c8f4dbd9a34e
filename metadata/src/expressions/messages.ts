/*
 * The expression language's messages in the reader's language (ADR 0010's rule: messages are
 * written in English where they arise, and each known sentence has its Chinese form here, names
 * and values in 'quotes' carried over). Browser-safe: the studio's expression editor shows the
 * checker's errors through it as they are typed, and the server's problem handler through it for
 * errors of saved expressions and of evaluations.
 */

type Locale = 'en' | 'zh-CN';
type Rule = [RegExp, (m: RegExpExecArray, t: (text: string) => string) => string];

const TYPES: Record<string, string> = {
  bool: '布尔值',
  boolean: '布尔值',
  number: '数字',
  string: '文本',
  text: '文本',
  date: '日期',
  datetime: '日期时间',
  duration: '时长',
  lookup: '关联',
  null: 'null',
  unknown: '未知类型',
  json: 'JSON',
};

/** A type as `typeName` writes it: bool, number, list(string), … */
function typeZh(name: string): string {
  const list = /^list\((.+)\)$/.exec(name.trim());
  if (list) return `${typeZh(list[1]!)}列表`;
  return TYPES[name.trim()] ?? name;
}
const typesZh = (names: string) => names.split(', ').map(typeZh).join('、');

/** " (did you mean 'x'?)" at the end of a message. */
function withSuggestion(text: string, render: (head: string) => string): string {
  const m = / \(did you mean '([^']*)'\?\)$/.exec(text);
  return m ? `${render(text.slice(0, m.index))}（是否想写'${m[1]}'？）` : render(text);
}

/** What the parser met: end of expression, string, number or a quoted token. */
const tokenZh = (d: string) => (d === 'end of expression' ? '表达式结尾' : d === 'string' ? '字符串' : d === 'number' ? '数字' : d);

const RULES: Rule[] = [
  // Parser.
  [/^malformed number$/, () => '数字格式错误'],
  [/^'(.+)' is a reserved word$/, (m) => `'${m[1]}'是保留字`],
  [/^unexpected character '(.+)'$/, (m) => `意外的字符'${m[1]}'`],
  [/^unknown escape '(.+)'$/, (m) => `未知的转义'${m[1]}'`],
  [/^unterminated string$/, () => '字符串没有结束引号'],
  [/^the expression is longer than (\d+) characters$/, (m) => `表达式超过 ${m[1]} 个字符`],
  [/^the expression is empty$/, () => '表达式为空'],
  [/^the expression has more than (\d+) parts$/, (m) => `表达式超过 ${m[1]} 个部分`],
  [/^expected '(.+)' but found (.+)$/, (m) => `此处应为'${m[1]}'，实际为${tokenZh(m[2]!)}`],
  [/^the expression nests deeper than (\d+) levels$/, (m) => `表达式嵌套超过 ${m[1]} 层`],
  [/^comparisons do not chain; combine them with && or \|\|$/, () => '比较不能连写，请用 && 或 || 组合'],
  [/^expected a name after '\.' but found (.+)$/, (m) => `'.' 之后应为名称，实际为${tokenZh(m[1]!)}`],
  [/^a list holds at most (\d+) items$/, (m) => `列表最多 ${m[1]} 项`],
  [/^the expression ends too early$/, () => '表达式不完整'],
  [/^unexpected (.+)$/, (m) => `意外的${tokenZh(m[1]!)}`],
  // Checker.
  [/^list items must have one type: (.+) after (.+)$/, (m) => `列表各项必须是同一类型：${typeZh(m[2]!)}之后出现了${typeZh(m[1]!)}`],
  [/^formula '(.+)' refers to itself: (.+)$/, (m) => `公式'${m[1]}'引用了自身：${m[2]}`],
  [/^formula '(.+)' does not compile; fix it first$/, (m) => `公式'${m[1]}'无法编译，请先修正它`],
  [/^user has no '(.+)'; it has (.+)$/, (m) => `user 没有'${m[1]}'，可用：${m[2]}`],
  [/^'(.+)': expressions read related records one level deep only$/, (m) => `'${m[1]}'：表达式只能读取一层关联记录`],
  [/^the object '(.+)' refers to no longer exists$/, (m) => `'${m[1]}'关联的对象已不存在`],
  [/^'(.+)' is computed on read; only stored formulas of a related record can be used$/, (m) => `'${m[1]}'在读取时计算，关联记录只能使用存储的公式`],
  [/^json fields cannot be used in expressions$/, () => 'JSON 字段不能用于表达式'],
  [/^(.+) cannot be indexed$/, (m) => `${typeZh(m[1]!)}不能按下标取值`],
  [/^an index must be a number, not (.+)$/, (m) => `下标必须是数字，而不是${typeZh(m[1]!)}`],
  [/^'!' needs a bool, not (.+)$/, (m) => `'!' 需要布尔值，而不是${typeZh(m[1]!)}`],
  [/^'-' needs a number or duration, not (.+)$/, (m) => `'-' 需要数字或时长，而不是${typeZh(m[1]!)}`],
  [/^'(.+)' cannot combine (.+) and (.+)$/, (m) => `'${m[1]}'不能组合${typeZh(m[2]!)}和${typeZh(m[3]!)}`],
  [/^'(.+)' needs bools, not (.+)$/, (m) => `'${m[1]}'需要布尔值，而不是${typeZh(m[2]!)}`],
  [/^(.+) values cannot be ordered$/, (m) => `${typeZh(m[1]!)}不能比较大小`],
  [/^'in' needs a list on its right, not (.+)$/, (m) => `'in' 的右边需要列表，而不是${typeZh(m[1]!)}`],
  [/^the condition before '\?' must be a bool, not (.+)$/, (m) => `'?' 之前的条件必须是布尔值，而不是${typeZh(m[1]!)}`],
  [/^both branches must have one type: (.+) and (.+)$/, (m) => `两个分支必须是同一类型：${typeZh(m[1]!)}和${typeZh(m[2]!)}`],
  [/^(\w+)\(\) can only be used in validation rules, layout rules and conditions$/, (m) => `${m[1]}() 只能用于校验规则、布局规则和条件`],
  [/^(\w+)\(\) can only be used in validation rules and conditions$/, (m) => `${m[1]}() 只能用于校验规则和条件`],
  [/^isNew\(\) takes no arguments$/, () => 'isNew() 不接受参数'],
  [/^(\w+)\(\) takes one field$/, (m) => `${m[1]}() 只接受一个字段`],
  [/^(\w+)\(\) takes a field of the record$/, (m) => `${m[1]}() 需要本记录的一个字段`],
  [/^(\w+)\(\) is not a method: write (.+)$/, (m) => `${m[1]}() 不是方法，请写成 ${m[2]}`],
  [/^(\w+)\(\) is a method: write (.+)$/, (m) => `${m[1]}() 是方法，请写成 ${m[2]}`],
  [/^(\w+)\(\) does not take \((.*)\); use (.+)$/, (m) => `${m[1]}() 不接受（${typesZh(m[2]!)}），用法：${m[3]}`],
  [/^(\w+)\(\) needs arguments of one type, not (.+)$/, (m) => `${m[1]}() 的参数必须是同一类型，而不是${typesZh(m[2]!)}`],
  [/^matches\(\) takes a text and a pattern: (.+)$/, (m) => `matches() 需要文本和模式：${m[1]}`],
  [/^matches\(\) needs text, not (.+)$/, (m) => `matches() 需要文本，而不是${typeZh(m[1]!)}`],
  [/^the pattern of matches\(\) must be a text literal, so it is checked once$/, () => 'matches() 的模式必须是文本字面量，以便只检查一次'],
  [/^a pattern is at most (\d+) characters$/, (m) => `模式最多 ${m[1]} 个字符`],
  [/^the pattern repeats a repeated group, a back-reference or a look-around, which can run for a very long time$/, () => '模式含有重复的重复组、反向引用或环视，可能运行极长时间'],
  [/^invalid pattern: (.+)$/, (m) => `无效的模式：${m[1]}`],
  [/^no object '(.+)'$/, (m) => `没有对象'${m[1]}'`],
  [/^the expression costs (\d+) to evaluate, more than the limit of (\d+) \(formulas it uses count too\)$/, (m) => `表达式的计算成本为 ${m[1]}，超过上限 ${m[2]}（所用公式也计入）`],
  [/^the expression gives (.+) but (.+) is needed$/, (m) => `表达式的结果是${typeZh(m[1]!)}，但需要${typeZh(m[2]!)}`],
  // Where an expression may be used (metadata checks).
  [/^a stored formula cannot read related records \((.+)\): the stored value would go stale when the related record changes; compute it on read$/, (m) => `存储公式不能读取关联记录（${m[1]}）：关联记录变化时存储的值会过时，请改为读取时计算`],
  [/^a formula field shows one value to everyone: it cannot use user \(a validation rule or layout rule can\)$/, () => '公式字段对所有人显示同一个值，不能使用 user（校验规则或布局规则可以）'],
  [/^a stored formula cannot use today\(\) or now\(\): its stored value would go stale; compute it on read$/, () => '存储公式不能使用 today() 或 now()：存储的值会过时，请改为读取时计算'],
  [/^a roll-up filter reads the child's own stored fields only \(no related records, user, today\(\) or formulas\)$/, () => '汇总筛选条件只能读取子记录自身存储的字段（不能使用关联记录、user、today() 或公式）'],
  [/^value (.+) of '(.+)' is used by (.+)$/, (m) => `'${m[2]}'的选项 ${m[1]} 正被使用：${m[3]}`],
  [/^a roll-up field needs its summary \(child object, lookup, function\)$/, () => '汇总字段需要汇总定义（子对象、关联字段、函数）'],
  [/^field '(.+)' is not a live field of '(.+)'$/, (m) => `字段'${m[1]}'不是'${m[2]}'的有效字段`],
  [/^'(.+)' is not a lookup to '(.+)'$/, (m) => `'${m[1]}'不是指向'${m[2]}'的关联字段`],
  [/^count counts records; it takes no field$/, () => 'count 统计记录数，不需要字段'],
  [/^(sum|min|max) needs the child field it summarises$/, (m) => `${m[1]} 需要指定要汇总的子记录字段`],
  [/^(sum|min|max) takes a (.+) field, not (\w+)$/, (m) => `${m[1]} 需要 ${m[2]} 类型的字段，而不是 ${m[3]}`],
  [/^only picklists can depend on another field$/, () => '只有选项列表可以依赖其他字段'],
  [/^a picklist cannot depend on itself$/, () => '选项列表不能依赖自身'],
  [/^a picklist can depend on a picklist or a checkbox, not a (\w+) field$/, (m) => `选项列表只能依赖选项列表或复选框，不能依赖 ${m[1]} 类型的字段`],
  [/^a (\w+) field takes no default expression$/, (m) => `${m[1]} 类型的字段不能使用默认值表达式`],
  [/^validation rule '(.+)' appears twice$/, (m) => `校验规则'${m[1]}'重复出现`],
  [/^a layout rule names at least one field or section$/, () => '布局规则至少要指定一个字段或分区'],
  [/^section '(.+)' is not in this layout$/, (m) => `分区'${m[1]}'不在此布局中`],
  [/^a formula field needs its formula \(expression and result type\)$/, () => '公式字段需要公式（表达式和结果类型）'],
  // Evaluation.
  [/^division by zero$/, () => '除数为零'],
  [/^modulo by zero$/, () => '取模的除数为零'],
  [/^text longer than (\d+) characters$/, (m) => `文本超过 ${m[1]} 个字符`],
  [/^the result is not a finite number$/, () => '结果不是有限的数字'],
  [/^square root of a negative number$/, () => '负数不能开平方'],
  [/^no such date$/, () => '没有这个日期'],
  [/^a date outside the years 0001 to 9999$/, () => '日期不在 0001 至 9999 年之间'],
  [/^"(.*)" is not a number$/, (m) => `"${m[1]}"不是数字`],
  [/^"(.*)" is not a date \(YYYY-MM-DD\)$/, (m) => `"${m[1]}"不是日期（YYYY-MM-DD）`],
  [/^"(.*)" is not an ISO 8601 date-time with a zone$/, (m) => `"${m[1]}"不是带时区的 ISO 8601 日期时间`],
  [/^"(.*)" is not a duration \(e\.g\. 1h30m\)$/, (m) => `"${m[1]}"不是时长（例如 1h30m）`],
  // A field that cannot be used: "'name': <why>".
  [/^'([^']+)': json fields cannot be used in expressions$/, (m) => `'${m[1]}'：JSON 字段不能用于表达式`],
];

/** What the save pipeline's declarative logic says about a record (server/src/logic). */
const LOGIC: Rule[] = [
  [/^is required when (.+)$/, (m) => `在 ${m[1]} 成立时为必填项`],
  [/^is read-only when (.+)$/, (m) => `在 ${m[1]} 成立时为只读`],
  [/^(.+) cannot be chosen while (\w+) is (.+)$/, (m) => `${m[2]} 为 ${m[3]} 时不能选择${m[1]}`],
  [/^the default value '(.+)' is not an active value$/, (m) => `默认值'${m[1]}'不是有效的选项`],
  [/^the default value is longer than (\d+) characters$/, (m) => `默认值超过 ${m[1]} 个字符`],
  [/^the default value (.+) is out of range$/, (m) => `默认值 ${m[1]} 超出范围`],
  [/^validation rule (\w+) could not be evaluated: (.+)$/, (m, t) => `校验规则 ${m[1]} 无法计算：${t(m[2]!)}`],
  [/^the default value of (\w+) could not be evaluated: (.+)$/, (m, t) => `${m[1]} 的默认值无法计算：${t(m[2]!)}`],
  [/^a layout rule \((.+)\) could not be evaluated: (.+)$/, (m, t) => `布局规则（${m[1]}）无法计算：${t(m[2]!)}`],
];

/** Messages that may end with a suggestion. */
const SUGGESTING: Rule[] = [
  [/^no field '(.+)' on (.+)$/, (m) => `${m[2]}上没有字段'${m[1]}'`],
  [/^'(.+)' is not a value of the picklist$/, (m) => `'${m[1]}'不是该选项列表的值`],
  [/^'(.+)' is not a value of (.+)$/, (m) => `'${m[1]}'不是${m[2]}的选项`],
  [/^unknown function '(.+)'$/, (m) => `未知的函数'${m[1]}'`],
  [/^(.+) has no field '(.+)'$/, (m) => `${typeZh(m[1]!)}没有字段'${m[2]}'`],
];

/**
 * An expression message (parser, checker, evaluation, where-it-may-be-used) in `locale`, or
 * undefined when it is not one of them. English is returned as written.
 */
export function expressionMessage(message: string, locale: Locale): string | undefined {
  if (locale === 'en') return message;
  const t = (inner: string) => expressionMessage(inner, locale) ?? inner;
  const suggested = /^(.*) \(did you mean '[^']*'\?\)$/.exec(message);
  const head = suggested ? suggested[1]! : message;
  for (const [pattern, render] of SUGGESTING) {
    const m = pattern.exec(head);
    if (m) return withSuggestion(message, () => render(m, t));
  }
  for (const [pattern, render] of RULES) {
    const m = pattern.exec(message);
    if (m) return render(m, t);
  }
  return undefined;
}

/** A phrase the save pipeline's logic gives a field ("is required when …"), in `locale`. */
export function logicMessage(message: string, locale: Locale): string | undefined {
  if (locale === 'en') return message;
  const t = (inner: string) => expressionMessage(inner, locale) ?? inner;
  for (const [pattern, render] of LOGIC) {
    const m = pattern.exec(message);
    if (m) return render(m, t);
  }
  return undefined;
}

/**
 * Any text of the declarative logic in `locale`: an expression's error as the metadata checks
 * write it (`message (line L, column C)`), an expression message, or a save-pipeline phrase;
 * undefined when it is none of them.
 */
export function expressionProblem(message: string, locale: Locale): string | undefined {
  const m = /^(.+) \(line (\d+), column (\d+)\)$/s.exec(message);
  if (!m) return expressionMessage(message, locale) ?? logicMessage(message, locale);
  const inner = expressionMessage(m[1]!, locale);
  if (inner === undefined) return undefined;
  return locale === 'en' ? message : `${inner}（第 ${m[2]} 行，第 ${m[3]} 列）`;
}
