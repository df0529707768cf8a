import SQLite from 'better-sqlite3';
import pg from 'pg';
import { vi } from 'vitest';

/** A statement as it reaches a database driver, below the query builder. */
export interface DriverStatement {
  text: string;
  /**
   * What it runs with, as given again to the same driver: better-sqlite3's arguments (an array
   * of positional values, or an object of named ones), pg's values.
   */
  params: unknown[];
}

/**
 * Calls `seen` with every statement that better-sqlite3 or pg runs, whether the query builder
 * compiled it or it was prepared on the driver; returns the function that stops it.
 */
export function traceDriverStatements(seen: (statement: DriverStatement) => void): () => void {
  const probe = new SQLite(':memory:');
  const prototype = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, (...args: unknown[]) => unknown>;
  probe.close();
  const sqliteSpies = (['run', 'all', 'get', 'iterate'] as const).map((method) => {
    const original = prototype[method];
    return vi.spyOn(prototype, method).mockImplementation(function (this: { source: string }, ...args: unknown[]) {
      seen({ text: this.source, params: args });
      return original.apply(this, args);
    });
  });
  const query = pg.Client.prototype.query;
  const pgSpy = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    const [first, values] = args as [string | pg.QueryConfig, unknown[] | undefined];
    seen(typeof first === 'string' ? { text: first, params: values ?? [] } : { text: first.text, params: first.values ?? [] });
    return Reflect.apply(query, this, args) as ReturnType<pg.Client['query']>;
  });
  return () => {
    for (const spy of [...sqliteSpies, pgSpy]) spy.mockRestore();
  };
}
