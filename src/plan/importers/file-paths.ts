/** Extensions that mark a bare token (`user.py`) as a file rather than a word. */
const CODE_EXTENSIONS = new Set(
  (
    'ts tsx js jsx mjs cjs mts cts json jsonc yaml yml toml md mdx py pyi rb go rs java kt kts swift c h cc cpp hpp ' +
    'cs fs php sql sh bash zsh ps1 html css scss sass less vue svelte astro proto graphql gql xml gradle dart ex exs ' +
    'erl lua tf hcl ini cfg conf env lock txt csv ipynb r scala clj elm zig ml hs'
  ).split(' '),
);
/** Top-level folders that make a two-segment token (`src/models`) a path, not `client/server`. */
const ROOTS = new Set(
  'src lib libs app apps test tests spec specs docs scripts packages cmd internal pkg backend frontend e2e bench examples .github'.split(
    ' ',
  ),
);
/** Library names spelled like files: `Node.js` is not a file to touch. */
const NOT_FILES = /^(node|next|nuxt|vue|react|express|three|d3|chart|ember|backbone|socket)\.(js|io)$/i;
const HTTP_METHOD = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)$/;
const SEGMENT = /^[\w.\-*{}[\]@+]+$/;

/**
 * Repository paths mentioned in free text, as globs for `files`: `src/models/user.py`,
 * `docs/` (-> `docs/**`), `README.md`. With `backtickedOnly`, only `code spans` count, for
 * prose where a slash often means "or".
 */
export function pathsIn(text: string, options: { backtickedOnly?: boolean } = {}): string[] {
  const tokens = options.backtickedOnly
    ? [...text.matchAll(/`([^`\s]+)`/g)].map((match) => match[1]!)
    : text.split(/\s+/);
  const found: string[] = [];
  for (const [index, token] of tokens.entries()) {
    // `POST /api/users` names an endpoint, not a file.
    if (!options.backtickedOnly && HTTP_METHOD.test(tokens[index - 1] ?? '')) continue;
    const path = asPath(token.replace(/^[("'`]+|[)"'`,.;:!?]+$/g, ''));
    if (path && !found.includes(path)) found.push(path);
  }
  return found;
}

function asPath(token: string): string | undefined {
  if (!token || token.includes('://') || /^[@$<-]/.test(token)) return undefined;
  const relative = token.replace(/^\.?\//, '');
  const segments = relative.split('/');
  const last = segments[segments.length - 1]!;
  const named = segments.slice(0, last === '' ? -1 : undefined);
  if (named.length === 0 || !named.every((segment) => SEGMENT.test(segment) && segment !== '..'))
    return undefined;
  const extension = /\.([a-z0-9]+)$/i.exec(last)?.[1]?.toLowerCase();
  const hasExtension = extension !== undefined && CODE_EXTENSIONS.has(extension) && !/^\.[^.]+$/.test(last);
  if (segments.length === 1)
    return hasExtension && !NOT_FILES.test(last) && /[a-z]/i.test(last) ? last : undefined;
  const pathLike =
    hasExtension || last === '' || segments.length >= 3 || token.startsWith('/') || ROOTS.has(segments[0]!);
  if (!pathLike) return undefined;
  return last === '' ? `${named.join('/')}/**` : relative;
}
