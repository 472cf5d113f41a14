import { useEffect, useState } from 'preact/hooks';

/** Hash routes (`#/operations/42`): the server serves one page; nothing personal ever goes in them. */
export function useRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('?')[0]!.split('/').filter(Boolean);
  const [parts, setParts] = useState(read);
  useEffect(() => {
    const on = () => setParts(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return parts;
}

export const go = (path: string): void => {
  location.hash = `#/${path.replace(/^\//, '')}`;
};
