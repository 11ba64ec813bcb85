import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import { routePath } from 'hono/route';
import type { Logger } from 'pino';
import type { Config } from '../../domain/config.js';
import { ConfigHolder, holderOf, type ConfigSource } from '../../runtime/config-holder.js';
import { reloadConfig } from '../../runtime/config-reload.js';
import { responderRuntime, type ResponderEnv, type ResponderRuntime } from '../../runtime/responder.js';
import type { IncidentClient } from '../incidents.js';
import { bodyLimits } from './body-limits.js';
import { apiTokens, RateLimiter, requireScope, type ApiToken } from './auth.js';
import type { ApiDeps } from './deps.js';
import type { ApiEnv } from './env.js';
import { errorAnswer, errorBody, sendError, validationAnswer } from './errors.js';
import { createMetrics, type ApiMetrics } from './metrics.js';
import * as adminRoutes from './routes/admin.routes.js';
import * as analyticsRoutes from './routes/analytics.routes.js';
import { analyticsHandlers } from './routes/analytics.handlers.js';
import * as incidentRoutes from './routes/incidents.routes.js';
import { incidentHandlers } from './routes/incidents.handlers.js';
import * as integrationRoutes from './routes/integrations.routes.js';
import { integrationHandlers } from './routes/integrations.handlers.js';
import * as responderRoutes from './routes/responder.routes.js';
import { actHandlers } from './routes/act.handlers.js';
import { twilioHandlers, verifyTwilio } from './routes/twilio.handlers.js';
import * as slackRoutes from './routes/slack.routes.js';
import { slackHandlers, verifySlack } from './routes/slack.handlers.js';
import * as systemRoutes from './routes/system.routes.js';
import * as rotationRoutes from './routes/rotations.routes.js';
import { rotationHandlers } from './routes/rotations.handlers.js';
import * as heartbeatRoutes from './routes/heartbeats.routes.js';
import { heartbeatHandlers } from './routes/heartbeats.handlers.js';
import * as maintenanceRoutes from './routes/maintenance.routes.js';
import { maintenanceHandlers } from './routes/maintenance.handlers.js';

export interface ApiOptions {
  incidents: IncidentClient;
  /**
   * Default: the IncidentClient's config holder, so one reload reaches both. A holder is used as
   * is; a plain Config other than the client's gives the API its own fixed copy.
   */
  config?: ConfigSource;
  /** The file the config came from: POST /v1/admin/reload re-reads it. Without it, reload answers 409. */
  configFile?: string;
  /** The Temporal client visibility (list, stats) and /healthz use; default: the IncidentClient's. */
  client?: Client;
  logger: Logger;
  /** ESCALATION_API_TOKEN: one token with every scope, beside the config's scoped tokens. */
  apiToken?: string;
  /** SLACK_SIGNING_SECRET; default: providers.slack.signingSecret of the config. */
  slackSigningSecret?: string;
  /** Which Slack response_urls may be posted to; default: https://hooks.slack.com/ only. */
  isSlackResponseUrlAllowed?: (url: string) => boolean;
  metrics?: ApiMetrics;
  now?: () => number;
  /** ESCALATION_LINK_SECRET and ESCALATION_PUBLIC_URL, over `responders:` of the config. */
  responderEnv?: ResponderEnv;
  /** The API's own address, the default public URL (startApi passes the one it listens on). */
  ownUrl?: () => string;
  /** Counts requests being handled, so a graceful close can wait for them (startApi passes one). */
  inFlight?: InFlight;
}

/** Requests still being handled, even after their client hung up: their Temporal calls go on. */
export class InFlight {
  private count = 0;
  private waiters: (() => void)[] = [];
  enter(): void {
    this.count += 1;
  }
  leave(): void {
    this.count -= 1;
    if (this.count === 0) for (const wake of this.waiters.splice(0)) wake();
  }
  idle(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

const SLACK_HOOKS = /^https:\/\/hooks\.slack\.com\//;

/**
 * The HTTP API (DESIGN.md section 6). Routes are declared from zod schemas in routes/*.routes.ts,
 * handled in routes/*.handlers.ts; the same schemas validate requests and generate /openapi.json.
 */
export function createApi(options: ApiOptions): OpenAPIHono<ApiEnv> {
  const client = options.client ?? options.incidents.temporal;
  const holder = apiConfigHolder(options);
  // Tokens and the Slack secret follow a reload; the digests are computed once per config.
  let tokens: { config: Config; tokens: ApiToken[] } | undefined;
  const currentTokens = () => {
    if (tokens?.config !== holder.current) tokens = { config: holder.current, tokens: apiTokens(holder.current, options.apiToken) };
    return tokens.tokens;
  };
  const slackSecret = () => options.slackSigningSecret ?? holder.current.providers.slack?.signingSecret;
  const slackSettings = {
    get signingSecret() {
      return slackSecret();
    },
    isResponseUrlAllowed: options.isSlackResponseUrlAllowed ?? ((url: string) => SLACK_HOOKS.test(url)),
  };
  // Read with the config in force: a reload may turn links on or change the secret.
  let responder: { config: Config; ownUrl: string; runtime: ResponderRuntime } | undefined;
  const currentResponder = () => {
    const ownUrl = options.ownUrl?.() ?? 'http://127.0.0.1';
    if (responder?.config !== holder.current || responder.ownUrl !== ownUrl)
      responder = { config: holder.current, ownUrl, runtime: responderRuntime(holder.current, options.responderEnv ?? {}, ownUrl) };
    return responder.runtime;
  };
  const deps: ApiDeps = {
    incidents: options.incidents,
    get config() {
      return holder.current;
    },
    scope: { client, taskQueue: options.incidents.taskQueue },
    get tokens() {
      return currentTokens();
    },
    metrics: options.metrics ?? createMetrics(),
    logger: options.logger,
    slack: slackSettings,
    get responder() {
      return currentResponder();
    },
    now: options.now ?? Date.now,
  };

  const app = new OpenAPIHono<ApiEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return sendError(c, validationAnswer(result.target, result.error));
      return undefined;
    },
  });
  app.onError((error, c) => sendError(c, errorAnswer(error, deps.logger)));
  app.notFound((c) => {
    // A known path asked with another method (TRACE, PUT, ...) is 405 with the methods it takes.
    const allowed = allowedMethods(app, c.req.path);
    if (allowed.length > 0) {
      return c.json(
        errorBody(`${c.req.method} is not allowed on ${c.req.path}; use ${allowed.join(' or ')}`, [
          { path: 'method', message: `allowed: ${allowed.join(', ')}` },
        ]),
        405,
        { Allow: allowed.join(', ') },
      );
    }
    return c.json(
      errorBody(`no route ${c.req.method} ${c.req.path}; see /openapi.json`, [{ path: 'path', message: 'no such route' }]),
      404,
    );
  });
  app.use('*', bodyLimits());

  app.use('*', async (c, next) => {
    const started = performance.now();
    options.inFlight?.enter();
    try {
      await next();
    } finally {
      options.inFlight?.leave();
    }
    const route = c.res.status === 404 && routePath(c, -1) === '*' ? 'unmatched' : routePath(c, -1);
    deps.metrics.requestSeconds.observe(
      { method: c.req.method, route, status: String(c.res.status) },
      (performance.now() - started) / 1000,
    );
  });

  const limiter = new RateLimiter(() => holder.current.api.rateLimit, deps.now);
  const read = requireScope(currentTokens, 'incidents:read', limiter);
  const write = requireScope(currentTokens, 'incidents:write', limiter);
  const incidents = incidentHandlers(deps);
  app.openapi({ ...incidentRoutes.startIncident, middleware: [write] }, incidents.startIncident);
  app.openapi({ ...incidentRoutes.listIncidents, middleware: [read] }, incidents.listIncidents);
  app.openapi({ ...incidentRoutes.getIncident, middleware: [read] }, incidents.getIncident);
  app.openapi({ ...incidentRoutes.stats, middleware: [read] }, incidents.stats);
  app.openapi({ ...incidentRoutes.acknowledge, middleware: [write] }, incidents.acknowledge);
  app.openapi({ ...incidentRoutes.resolve, middleware: [write] }, incidents.resolve);
  app.openapi({ ...incidentRoutes.cancel, middleware: [write] }, incidents.cancel);
  app.openapi({ ...incidentRoutes.escalate, middleware: [write] }, incidents.escalate);
  app.openapi({ ...incidentRoutes.annotate, middleware: [write] }, incidents.annotate);
  app.openapi({ ...incidentRoutes.workingStatus, middleware: [write] }, incidents.workingStatus);

  const figures = analyticsHandlers(deps);
  app.openapi({ ...analyticsRoutes.analytics, middleware: [read] }, figures.analytics);
  app.openapi({ ...analyticsRoutes.oncallLoad, middleware: [read] }, figures.oncallLoad);
  app.openapi({ ...analyticsRoutes.serviceHealth, middleware: [read] }, figures.serviceHealth);
  app.openapi({ ...incidentRoutes.unacknowledge, middleware: [write] }, incidents.unacknowledge);
  app.openapi({ ...incidentRoutes.reassign, middleware: [write] }, incidents.reassign);
  app.openapi({ ...incidentRoutes.snooze, middleware: [write] }, incidents.snooze);
  app.openapi({ ...rotationRoutes.levelRotation, middleware: [read] }, rotationHandlers(deps).levelRotation);

  const maintenance = maintenanceHandlers(deps);
  const maintain = requireScope(currentTokens, 'maintenance:write', limiter);
  app.openapi({ ...maintenanceRoutes.startMaintenance, middleware: [maintain] }, maintenance.startMaintenance);
  app.openapi({ ...maintenanceRoutes.listMaintenance, middleware: [read] }, maintenance.listMaintenance);
  app.openapi({ ...maintenanceRoutes.endMaintenance, middleware: [maintain] }, maintenance.endMaintenance);

  const integrations = integrationHandlers(deps);
  app.openapi({ ...integrationRoutes.alertmanager, middleware: [write] }, integrations.alertmanager);
  app.openapi({ ...integrationRoutes.grafana, middleware: [write] }, integrations.grafana);

  const heartbeats = heartbeatHandlers(deps);
  app.openapi(
    { ...heartbeatRoutes.pingHeartbeat, middleware: [requireScope(currentTokens, 'heartbeats:write', limiter)] },
    heartbeats.pingHeartbeat,
  );
  app.openapi({ ...heartbeatRoutes.listHeartbeats, middleware: [read] }, heartbeats.listHeartbeats);

  const slack = slackHandlers(deps);
  app.openapi({ ...slackRoutes.interactions, middleware: [verifySlack(deps)] }, slack.interactions);
  app.openapi({ ...slackRoutes.commands, middleware: [verifySlack(deps)] }, slack.commands);

  const acts = actHandlers(deps);
  app.openapi(responderRoutes.actPage, acts.actPage);
  app.openapi(responderRoutes.act, acts.act);
  const twilio = twilioHandlers(deps);
  const signedByTwilio = { middleware: [verifyTwilio(deps)] };
  app.openapi({ ...responderRoutes.smsReply, ...signedByTwilio }, twilio.smsReply);
  app.openapi({ ...responderRoutes.voice, ...signedByTwilio }, twilio.voice);
  app.openapi({ ...responderRoutes.voiceAnswer, ...signedByTwilio }, twilio.voiceAnswer);
  app.openapi({ ...responderRoutes.status, ...signedByTwilio }, twilio.status);

  app.openapi({ ...adminRoutes.reload, middleware: [requireScope(currentTokens, 'admin', limiter)] }, (c) => {
    if (!options.configFile) {
      return c.json(
        errorBody('this API was not started from a config file; nothing to reload', [
          { path: 'configFile', message: 'start the API with --config <file> (or ESCALATION_CONFIG) to reload it' },
        ]),
        409,
      );
    }
    const result = reloadConfig(holder, options.configFile, deps.logger);
    if (!result.ok) {
      return c.json(errorBody(`${result.file} is not a valid config; the previous config stays in force`, result.errors), 422);
    }
    return c.json({ reloaded: true as const, file: result.file, generation: result.generation, policies: result.policies }, 200);
  });

  app.openapi(systemRoutes.healthz, async (c) => {
    const namespace = client.options.namespace;
    try {
      await client.connection.withDeadline(Date.now() + 2_000, () => client.workflowService.describeNamespace({ namespace }));
      return c.json({ status: 'ok' as const, temporal: { namespace, reachable: true } }, 200);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return c.json({ status: 'unavailable' as const, temporal: { namespace, reachable: false, reason } }, 503);
    }
  });
  app.openapi(systemRoutes.metrics, async (c) => {
    return c.text(await deps.metrics.registry.metrics(), 200, { 'content-type': deps.metrics.registry.contentType });
  });

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description:
      'A token of api.tokens in the config (scopes incidents:read, incidents:write, heartbeats:write, maintenance:write, admin) or ESCALATION_API_TOKEN (every scope).',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Incident escalation API',
      version: '0.1.0',
      description: 'Open and answer incidents escalated by Temporal workflows. Errors are { error, details: [{ path, message }] }.',
    },
  });
  return app;
}

/** The methods the API's routes take on this path (HEAD beside GET). */
function allowedMethods(app: OpenAPIHono<ApiEnv>, path: string): string[] {
  const methods = new Set<string>();
  for (const route of app.routes) {
    if (route.method === 'ALL' || route.path === '*' || route.path.endsWith('/*')) continue;
    const pattern = new RegExp(`^${route.path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z0-9_]+/g, '[^/]+')}/?$`);
    if (pattern.test(path)) methods.add(route.method);
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods];
}

function apiConfigHolder(options: ApiOptions): ConfigHolder {
  const source = options.config;
  if (source instanceof ConfigHolder) return source;
  if (source === undefined || source === options.incidents.config) return options.incidents.configHolder;
  return new ConfigHolder(source);
}

export interface RunningApi {
  url: string;
  port: number;
  server: ServerType;
  /** Stops accepting, lets in-flight requests finish for up to graceMs, then closes. */
  close(graceMs?: number): Promise<void>;
}

/** Serves the API; port 0 picks a free one. Loopback by default: put a proxy in front to expose it. */
export async function startApi(options: ApiOptions & { port?: number; host?: string }): Promise<RunningApi> {
  const inFlight = new InFlight();
  // Refuse to start with links on and no secret, rather than serve links that cannot be checked.
  responderRuntime(holderOf(options.config ?? options.incidents.configHolder).current, options.responderEnv ?? {}, 'http://127.0.0.1');
  let ownUrl = 'http://127.0.0.1';
  const app = createApi({ ...options, inFlight, ownUrl: options.ownUrl ?? (() => ownUrl) });
  const host = options.host ?? '127.0.0.1';
  const { server, port } = await new Promise<{ server: ServerType; port: number }>((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port ?? 8080, hostname: host }, (info: AddressInfo) =>
      resolve({ server, port: info.port }),
    );
    server.once('error', reject);
  });
  const http = server as Server; // serve() without createServer makes a node:http server
  const shownHost = host.includes(':') ? `[${host}]` : host;
  ownUrl = `http://${shownHost}:${port}`;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    server,
    // Graceful: no new connections, in-flight requests finish (each answers within its Temporal
    // call's deadline), then anything still open after the grace period is cut.
    close: async (graceMs = 5_000) => {
      let cut: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        cut = setTimeout(() => {
          http.closeAllConnections();
          resolve();
        }, graceMs);
      });
      const closed = new Promise<void>((resolve, reject) => http.close((error) => (error ? reject(error) : resolve())));
      http.closeIdleConnections();
      await Promise.race([Promise.all([closed, inFlight.idle()]), grace]);
      clearTimeout(cut);
      await closed;
    },
  };
}
