import type { RequestHandler } from 'express';
import helmet from 'helmet';

/** Where the OpenAPI UI is served (`setUpOpenApi`): an HTML page, with its scripts and styles. */
export const DOCS_ROUTE = 'docs';
const DOCS_PATH = `/${DOCS_ROUTE}`;

/**
 * What every JSON answer carries: the headers the OWASP REST Security Cheat Sheet lists for API
 * responses, through helmet. A CSP that allows nothing and no framing (an answer opened in a
 * browser runs nothing and cannot be framed), `X-Frame-Options: DENY` for browsers without
 * CSP, HSTS, `nosniff`, and `Cross-Origin-Resource-Policy: same-origin` (no other site's page
 * can load an answer as a script or image; CORS requests are not affected). helmet's other
 * defaults (`Cross-Origin-Opener-Policy`, `Origin-Agent-Cluster`, `Referrer-Policy`,
 * `X-DNS-Prefetch-Control`, `X-Download-Options`, `X-Permitted-Cross-Domain-Policies`,
 * `X-XSS-Protection`) govern what an HTML document may do, and a JSON body is not one; they
 * were half of every answer's headers and a sixth of `GET /users/:id`'s cost (bench/README.md,
 * "Per-request cost").
 */
const apiHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  },
  xFrameOptions: { action: 'deny' },
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  referrerPolicy: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
});

/** The OpenAPI UI's page and assets: helmet's full default set, made for HTML pages. */
const pageHeaders = helmet();

/** The security headers of every response: the page set under `/docs`, the API set elsewhere. */
export function securityHeaders(): RequestHandler {
  return (req, res, next) => {
    const page = req.path === DOCS_PATH || req.path.startsWith(`${DOCS_PATH}/`);
    (page ? pageHeaders : apiHeaders)(req, res, next);
  };
}
