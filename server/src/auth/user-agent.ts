/**
 * What a person recognises of a User-Agent header: the browser and the system, as a device list
 * names them ("Chrome on Windows"). Null where the header says nothing we know; the full header is
 * kept beside it.
 */
export function describeUserAgent(header: string | null | undefined): { browser: string | null; os: string | null } {
  if (!header) return { browser: null, os: null };
  return { browser: firstMatch(header, BROWSERS), os: firstMatch(header, SYSTEMS) };
}

// Order matters: Edge and Opera say Chrome too, Chrome says Safari, Android says Linux, iOS says Mac OS X.
const BROWSERS: [RegExp, string][] = [
  [/\bEdg(?:e|A|iOS)?\/(\d+)/, 'Edge'],
  [/\b(?:OPR|Opera)\/(\d+)/, 'Opera'],
  [/\bFirefox\/(\d+)/, 'Firefox'],
  [/\bFxiOS\/(\d+)/, 'Firefox'],
  [/\bCriOS\/(\d+)/, 'Chrome'],
  [/\b(?:Headless)?Chrom(?:e|ium)\/(\d+)/, 'Chrome'],
  [/\bVersion\/(\d+)[\d.]* (?:Mobile\/\S+ )?Safari\//, 'Safari'],
  [/\bcurl\/(\d+)/, 'curl'],
];
const SYSTEMS: [RegExp, string][] = [
  [/\b(?:iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

function firstMatch(header: string, patterns: [RegExp, string][]): string | null {
  for (const [pattern, name] of patterns) {
    const match = pattern.exec(header);
    if (match) return match[1] ? `${name} ${match[1]}` : name;
  }
  return null;
}
