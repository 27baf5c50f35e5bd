// Minimal types for the parts of madge's programmatic API used by the architecture test (madge ships none).
declare module 'madge' {
  interface MadgeConfig {
    fileExtensions?: string[];
    tsConfig?: string;
    detectiveOptions?: { ts?: { skipTypeImports?: boolean }; tsx?: { skipTypeImports?: boolean } };
  }
  interface MadgeInstance {
    /** Module id → the ids it imports. */
    obj(): Record<string, string[]>;
    /** Each cycle as a list of module ids. */
    circular(): string[][];
    /** The modules that import `id`. */
    depends(id: string): string[];
    /** Files madge could not resolve or parse. */
    warnings(): { skipped: string[] };
  }
  function madge(path: string | string[], config?: MadgeConfig): Promise<MadgeInstance>;
  export default madge;
}
