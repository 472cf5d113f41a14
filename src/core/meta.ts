/** Port: instance-wide facts (the secret's fingerprint, first-start markers). Never personal data. */
export interface MetaRepository {
  get(key: string): Promise<string | undefined>;
  /** Sets the value unless the key exists; returns the value now stored. */
  setIfAbsent(key: string, value: string): Promise<string>;
  /** Sets the value, replacing any. */
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}
