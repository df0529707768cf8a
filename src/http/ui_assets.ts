import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run build:ui` writes the web UI (Vite's output). */
export const UI_DIST_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../ui/dist');

// API paths keep answering JSON; every other page address belongs to the UI's client-side router.
const API_PATH = /^\/(api|internal|metrics)(\/|$)/;

// Emotion (EUI's styling) adds <style> elements at run time, hence 'unsafe-inline' for styles only.
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
};

const NOT_BUILT_PAGE =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Plugboard</title></head>' +
  '<body><h1>Plugboard</h1><p>The web UI has not been built. Run <code>npm run build:ui</code> (or <code>npm start</code>, which builds it) and reload.</p></body></html>';

const UI_ASSETS_ROUTE = '/assets/*';
const LOGIN_PAGE = '/login';

export type UiRequestKind = 'asset' | 'login' | 'page';

/**
 * What a request is for the UI: one of its script or style files, the login page, another
 * page (a GET for HTML outside the API, left to the client-side router), or not the UI's.
 */
export function uiRequestKind(request: FastifyRequest): UiRequestKind | undefined {
  if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
  if (request.routeOptions.url === UI_ASSETS_ROUTE) return 'asset';
  if (request.routeOptions.url !== undefined) return undefined;
  const pathname = request.url.split('?')[0];
  if (API_PATH.test(pathname) || !(request.headers.accept ?? '').includes('text/html')) return undefined;
  return pathname === LOGIN_PAGE ? 'login' : 'page';
}

/** As Kibana: a page asked for without a session goes to the login page, which comes back after. */
export function loginRedirect(request: FastifyRequest): string {
  return `${LOGIN_PAGE}?next=${encodeURIComponent(request.originalUrl)}`;
}

/** Serves the built UI: hashed assets under /assets/, and index.html for every page address. */
export function registerUi(app: FastifyInstance, distDir = UI_DIST_DIR): (reply: FastifyReply) => FastifyReply {
  const indexFile = path.join(distDir, 'index.html');
  const built = existsSync(indexFile);
  if (built) {
    void app.register(fastifyStatic, {
      root: path.join(distDir, 'assets'),
      prefix: '/assets/',
      // Vite puts a content hash in every asset name, so they never change under one address.
      immutable: true,
      maxAge: '365d',
      index: false,
    });
  }
  const page = built ? readFileSync(indexFile, 'utf8') : NOT_BUILT_PAGE;
  return (reply) => reply.code(200).headers(PAGE_HEADERS).send(page);
}
