import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { actionTaskDefinition } from './actions/action_task.js';
import { createActionQueue } from './actions/action_queue.js';
import { ConnectorLoader } from './actions/connector_loader.js';
import { ParamsRenderer } from './actions/templating/params_renderer.js';
import { EventLogger } from './event_log/event_logger.js';
import { executionLogRoutes } from './http/routes/execution_logs.js';
import { metricsRoutes } from './http/routes/metrics.js';
import { queueRoutes } from './http/routes/queue.js';
import { taskManagerRoutes } from './http/routes/task_manager.js';
import { copyToSpaceRoutes } from './http/routes/copy_to_space.js';
import { savedObjectsRoutes } from './http/routes/saved_objects.js';
import type { ConnectorTransferDeps } from './saved_objects/deps.js';
import { GroupCommit } from './storage/group_commit.js';
import { restoreTokenBudgets } from './tasks/restore_token_budgets.js';
import { FlowControl } from './tasks/flow_control.js';
import { createTaskMetrics } from './tasks/metrics.js';
import { PostgresWakeups } from './tasks/postgres_wakeups.js';
import { retentionTask, retentionTaskDefinition } from './tasks/retention.js';
import { TaskManager } from './tasks/task_manager.js';
import { TaskStore } from './tasks/task_store.js';
import { ACTION_TASK_PREFIX, ActionsClient } from './actions/actions_client.js';
import { ActionExecutor } from './actions/executor.js';
import { buildInMemoryConnectors, preconfiguredEntries } from './actions/in_memory_connectors.js';
import { ConnectorTypeRegistry } from './actions/registry.js';
import type { ConfigurationUtilities, ConnectorServices, ConnectorTypeDefinition } from './actions/types.js';
import { installZod3Messages } from './common/zod_messages.js';
import { notInterpretedSettings } from './config/not_interpreted.js';
import { configSchema, type PlugboardConfig } from './config/schema.js';
import { CONNECTOR_TYPES } from './connector_types/index.js';
import { resolveEncryptionKey } from './crypto/key_file.js';
import { EncryptionKeyCheck } from './crypto/key_check.js';
import { SecretsCipher } from './crypto/secrets_cipher.js';
import { buildOpenApiDocument } from './http/openapi.js';
import type { RouteSpec } from './http/route.js';
import { connectorRoutes } from './http/routes/connectors.js';
import { connectorUiRoutes } from './http/routes/connectors_ui.js';
import { stackConnectorRoutes } from './http/routes/stack_connectors.js';
import { connectorTypeFormRoutes } from './http/routes/connector_type_forms.js';
import { ruleTypeFormRoutes } from './http/routes/rule_type_forms.js';
import { spaceRoutes } from './http/routes/spaces.js';
import { ruleExecutionLogRoutes } from './http/routes/rule_execution_log.js';
import { ruleTicketRoutes } from './http/routes/rule_tickets.js';
import { aiConversationRoutes } from './http/routes/ai_conversations.js';
import { capabilitiesRoutes } from './http/routes/capabilities.js';
import { statusRoutes } from './http/routes/status.js';
import { createHttpServer } from './http/server.js';
import { tlsServerOptions } from './http/tls.js';
import { createLogger } from './logger.js';
import { OutboundHttp } from './net/http_client.js';
import { networkPolicyFromConfig } from './net/network_policy.js';
import { ClientCredentialsTokens } from './net/oauth_client_credentials.js';
import { smtpTransportOptions } from './net/smtp_connection.js';
import { Authenticator, ensureBootstrapUser } from './security/authentication.js';
import { securityRoutes } from './http/routes/security.js';
import { sessionRoutes } from './http/routes/session.js';
import { SessionCookies } from './http/session_cookies.js';
import { LoginThrottle } from './security/login_throttle.js';
import { SessionStore } from './security/sessions.js';
import { SessionsRepository } from './storage/sessions_repository.js';
import { apiKeyRoutes } from './http/routes/api_keys.js';
import { ApiKeysService } from './security/api_keys.js';
import { ApiKeysRepository } from './storage/api_keys_repository.js';
import { auditRoutes } from './http/routes/audit.js';
import { AuditLogger } from './security/audit.js';
import { RolesService } from './security/roles_service.js';
import { UsersService } from './security/users_service.js';
import { RoleAuthorizer } from './security/authorization.js';
import { RolesRepository } from './storage/roles_repository.js';
import { SpacesService } from './spaces/spaces_service.js';
import { ConnectorsRepository } from './storage/connectors_repository.js';
import { RulesRepository } from './storage/rules_repository.js';
import { RuleTypeRegistry, type AnyRuleType } from './alerting/rule_type_registry.js';
import { ruleTypes as buildRuleTypes } from './alerting/rule_types/index.js';
import { logAlertsStoppedByDisable, ruleTaskDefinitions } from './alerting/task_runner.js';
import { INTERNAL_PRINCIPAL } from './security/principal.js';
import { RulesClient } from './alerting/rules_client.js';
import { ruleRoutes } from './http/routes/rules.js';
import { alertmanagerRoutes } from './http/routes/alertmanager.js';
import { ingestWebhookRoutes } from './http/routes/ingest_webhooks.js';
import { createIngestIntake } from './ingest/intake.js';
import { IncomingAlertsIndex } from './ingest/incoming_alerts_index.js';
import { grafanaIngestSettings } from './ingest/secret_files.js';
import { IngestTokens } from './ingest/tokens.js';
import type { IngestListener, SilenceLookup } from './ingest/types.js';
import { IncomingAlertsRepository } from './storage/incoming_alerts_repository.js';
import { silenceRoutes } from './http/routes/silences.js';
import { casesRoutes } from './http/routes/cases.js';
import { casesConfigureRoutes } from './http/routes/cases_configure.js';
import { ConfigureService } from './cases/configure_service.js';
import { CaseConfigurationsRepository } from './storage/case_configurations_repository.js';
import { CasesService, type CasesServiceDeps } from './cases/cases_service.js';
import { CasesRepository } from './storage/cases_repository.js';
import { ingestUiRoutes } from './http/routes/ingest_ui.js';
import { createSilences, type Silences } from './ingest/silences.js';
import { SilencesRepository } from './storage/silences_repository.js';
import { TicketLinksRepository } from './storage/ticket_links_repository.js';
import { AiConversationsRepository } from './storage/ai_conversations_repository.js';
import { inProcessConnectors } from './actions/in_process_connectors.js';
import { IncomingAlertsTrigger } from './alerting/rule_types/incoming_alerts/trigger.js';
import { DataDirLock } from './storage/data_dir_lock.js';
import { openDatabase, type PlugboardDatabase } from './storage/database.js';
import { SpacesRepository } from './storage/spaces_repository.js';
import { UsersRepository } from './storage/users_repository.js';

export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface PlugboardOptions {
  config: PlugboardConfig;
  /** Relative paths in the config (data directory) resolve against this. */
  baseDir?: string;
  logger?: Logger;
  /** Extra connector types (tests register system or failing types this way). */
  extraConnectorTypes?: ConnectorTypeDefinition[];
  /** Extra rule types (tests register small rule types this way). */
  extraRuleTypes?: AnyRuleType[];
  /** false: queue tasks but do not run them (tests of the queue itself). */
  runTasks?: boolean;
  /** The built web UI (default: the package's ui/dist). */
  uiDir?: string;
  /** Alert ingest seams: silences, the incoming-alerts rules, and the clock (tests drive time). */
  ingest?: { silences?: SilenceLookup; listener?: IngestListener; clock?: () => Date };
}

export interface Plugboard {
  app: FastifyInstance;
  database: PlugboardDatabase;
  actions: ActionsClient;
  /** Kibana's rules: the API's client, also the task runner's way to load a rule and write its run state. */
  rules: RulesClient;
  ruleTypes: RuleTypeRegistry;
  taskManager: TaskManager;
  taskStore: TaskStore;
  /** Alerts posted by senders (Alertmanager API v2). */
  incomingAlerts: IncomingAlertsRepository;
  /** Alertmanager-style silences; also the SilenceLookup of incoming alerts. */
  silences: Silences;
  /** Runs the incoming-alerts rules of a post at once (the default ingest listener). */
  incomingAlertsTrigger: IncomingAlertsTrigger;
  cipher: SecretsCipher;
  logger: Logger;
  /** Starts listening; resolves to the base URL. */
  listen(): Promise<string>;
  /** Resolves once every write submitted so far (event log, audit, task changes) is committed. */
  flushWrites(): Promise<void>;
  /** Stops accepting requests, lets running ones finish, closes the database. */
  close(): Promise<void>;
}

/** The composition root: builds every layer from the configuration. */
export async function createPlugboard(options: PlugboardOptions): Promise<Plugboard> {
  installZod3Messages();
  const { config } = options;
  const logger = options.logger ?? createLogger(config.logging.root.level);
  const dataDir = path.resolve(options.baseDir ?? process.cwd(), config.path.data);
  // Read before anything is opened, so that a bad TLS file stops start-up cleanly.
  const https = tlsServerOptions(config.server.ssl, options.baseDir ?? process.cwd());
  const senderTokens = IngestTokens.fromConfig(config.plugboard.ingest.tokens, options.baseDir ?? process.cwd());
  const actionsConfig = config.xpack.actions;
  const eso = config.xpack.encryptedSavedObjects;

  const key = resolveEncryptionKey(eso.encryptionKey, dataDir);
  if (key.generatedAt) {
    logger.warn(
      `Generated an encryption key for connector secrets at ${key.generatedAt}. Back it up: without it the ` +
        'secrets cannot be decrypted. Set xpack.encryptedSavedObjects.encryptionKey to use your own.',
    );
  }
  const cipher = new SecretsCipher(key.key, eso.keyRotation.decryptionOnlyKeys);

  for (const setting of notInterpretedSettings(configSchema, config)) {
    logger.warn(`${setting} is accepted for kibana.yml compatibility but not interpreted: it changes nothing.`);
  }
  const registry = new ConnectorTypeRegistry([...CONNECTOR_TYPES, ...(options.extraConnectorTypes ?? [])], actionsConfig.enabledActionTypes);
  for (const [typeId, url] of Object.entries(config.plugboard.serviceUrlOverrides)) {
    logger.warn(`plugboard.serviceUrlOverrides: every ${typeId} connector talks to ${url} instead of its service; meant for tests and demos only.`);
  }
  const policy = networkPolicyFromConfig(config, options.baseDir ?? process.cwd(), (message) => logger.warn(message));
  const configurationUtilities: ConfigurationUtilities = {
    allowedHosts: policy.allowedHosts,
    webhookPfxEnabled: actionsConfig.webhook.ssl.pfx.enabled,
    actionsConfig,
    publicBaseUrl: config.server.publicBaseUrl,
    serviceUrl: (typeId, defaultUrl) => config.plugboard.serviceUrlOverrides[typeId] ?? defaultUrl,
    smtpTransportOptions: (server) => smtpTransportOptions(policy, server),
  };
  const preconfigured = preconfiguredEntries(actionsConfig.preconfigured, actionsConfig.preconfiguredAlertHistoryEsIndex, (m) => logger.warn(m));
  const inMemory = buildInMemoryConnectors(preconfigured, registry, { configurationUtilities }, (m) => logger.warn(m));

  const lock = config.database.url ? undefined : DataDirLock.acquire(dataDir, (message) => logger.warn(message));
  let database: PlugboardDatabase;
  try {
    database = await openDatabase({
      url: config.database.url,
      dataDir,
      poolMax: config.database.pool.max,
      onPoolError: (err) => logger.warn({ err }, 'an idle database connection failed; it will be replaced'),
    });
  } catch (err) {
    lock?.release();
    throw err;
  }
  const closeDatabase = async () => {
    await database.close();
    lock?.release();
  };
  const repository = new ConnectorsRepository(database.db);
  const users = new UsersRepository(database.db);
  const apiKeysRepository = new ApiKeysRepository(database.db);
  const authenticator = new Authenticator(users, apiKeysRepository);
  const apiKeys = new ApiKeysService(apiKeysRepository);
  const security = { users: new UsersService(users, authenticator), roles: new RolesService(new RolesRepository(database.db)) };
  const sessions = new SessionCookies(new SessionStore(new SessionsRepository(database.db), users, config.xpack.security.session), config.server.ssl.enabled);
  const loginThrottle = new LoginThrottle(config.plugboard.security.loginThrottle);
  try {
    await new EncryptionKeyCheck(database.db).verify(cipher, repository, key.source);
    await ensureBootstrapUser(users, config.security.elasticPassword, logger);
  } catch (err) {
    await closeDatabase();
    throw err;
  }

  const http = new OutboundHttp({
    policy,
    maxResponseContentLength: actionsConfig.maxResponseContentLength,
    responseTimeoutMs: actionsConfig.responseTimeout,
  });
  let esClient: ElasticsearchClient | undefined;
  const services: ConnectorServices = {
    http,
    tokens: new ClientCredentialsTokens(http),
    elasticsearch: () => (esClient ??= createElasticsearchClient(config)),
  };
  const authorizer = new RoleAuthorizer(new RolesRepository(database.db));
  const writes = new GroupCommit(database.db, logger, { pool: database.pool });
  const auditFile = config.plugboard.audit.file;
  const audit = new AuditLogger(writes, auditFile && path.resolve(options.baseDir ?? process.cwd(), auditFile), (err) =>
    logger.error({ err }, 'writing an audit event failed'),
  );
  const events = new EventLogger(writes, database, (err) => logger.error({ err }, 'writing an event failed'));
  const flowControl = new FlowControl(config.plugboard.actions.flowControl);
  const executor = new ActionExecutor({ registry, services, configurationUtilities, logger, events, tokenBudgets: flowControl, audit });
  const loader = new ConnectorLoader(repository, inMemory, cipher);

  const tasksConfig = config.plugboard.tasks;
  const taskStore = new TaskStore(database, writes);
  const taskManager = new TaskManager(
    taskStore,
    flowControl,
    {
      maxConcurrency: tasksConfig.maxConcurrency,
      claimBatchSize: tasksConfig.claimBatchSize,
      leaseMs: tasksConfig.leaseDuration,
      pollIntervalMs: tasksConfig.pollInterval,
      defaultTimeoutMs: tasksConfig.timeout,
      shutdownGraceMs: tasksConfig.shutdownGrace,
    },
    logger,
    // Action task types are `actions:<connector type>`.
    (task) => task.type.slice(ACTION_TASK_PREFIX.length),
  );
  const { registry: metricsRegistry, executions: executionMetrics } = createTaskMetrics(taskManager, taskStore);
  const tickets = new TicketLinksRepository(database.db);
  taskManager.register(actionTaskDefinition({ loader, registry, executor, logger, tickets, timeoutMs: tasksConfig.timeout }));
  const ingestConfig = config.plugboard.ingest;
  const incomingAlerts = new IncomingAlertsRepository(
    database.db,
    { resolveTimeoutMs: ingestConfig.resolveTimeout, resolvedRetentionMs: ingestConfig.resolvedRetention, maxActiveAlerts: ingestConfig.maxActiveAlerts },
    writes,
    database.dialect,
  );
  taskManager.register(retentionTaskDefinition(database.db, taskStore, config.plugboard.eventLog.retention, incomingAlerts));
  const intake = createIngestIntake({
    store: incomingAlerts,
    authorizer,
    // The incoming-alerts rules' trigger, built with the rules below.
    listener: options.ingest?.listener ?? { alertsChanged: (spaceId, changed) => incomingAlertsTrigger.alertsChanged(spaceId, changed) },
    metrics: metricsRegistry,
  });
  const wakeups =
    database.url && database.schema
      ? new PostgresWakeups(database.url, database.schema, taskManager.owner, database.db, () => taskManager.wake(), logger)
      : undefined;
  if (wakeups) {
    await wakeups.listen();
    taskManager.setNotifier(wakeups);
  }
  await taskManager.schedule([retentionTask()]);
  // Before any task is claimed or `_execute` served: what budgeted connectors spent before a restart still counts.
  try {
    await restoreTokenBudgets(flowControl, database);
  } catch (err) {
    logger.error({ err }, 'reading the token spending of budgeted connectors from the event log failed; their budgets count from now');
  }
  if (options.runTasks !== false) taskManager.start();

  const paramsRenderer = new ParamsRenderer(logger, metricsRegistry);
  const actions = new ActionsClient({
    repository,
    loader,
    queue: createActionQueue({ config: actionsConfig, registry, store: taskStore, taskManager, db: database.db }),
    registry,
    cipher,
    inMemory,
    authorizer,
    executor,
    tokenBudgets: flowControl,
    validatorContext: { configurationUtilities },
    services,
    logger,
    paramsRenderer,
    executionMetrics,
  });
  // What the AI assistant system action reaches: the space's connectors, run in this process, and its conversations.
  const aiConversations = new AiConversationsRepository(database.db);
  services.connectors = inProcessConnectors(actions, loader);
  services.aiConversations = aiConversations;
  const alertingConfig = config.xpack.alerting;
  // Silences (issue 19): their routes, and the lookup the incoming-alerts routes and rules take.
  const silences = createSilences(new SilencesRepository(database.db, database.dialect), { retentionMs: config.plugboard.ingest.silenceRetention });
  const ruleTypes = new RuleTypeRegistry(
    [
      // Connector health watches a space's own connectors and the preconfigured ones, not system actions.
      ...buildRuleTypes({
        database,
        connectorsOfSpace: async (spaceId) =>
          (await actions.getAll({ spaceId, principal: INTERNAL_PRINCIPAL }, { referenceCounts: false })).map(({ id, name, typeId }) => ({ id, name, typeId })),
        // The rules read a copy in memory, refreshed with the alerts changed since their last run.
        incomingAlerts: new IncomingAlertsIndex({ store: incomingAlerts, resolvedRetentionMs: ingestConfig.resolvedRetention }),
        silences: options.ingest?.silences ?? silences,
        clock: options.ingest?.clock,
      }),
      ...(options.extraRuleTypes ?? []),
    ],
    {
      minimumScheduleInterval: alertingConfig.rules.minimumScheduleInterval,
      overwriteProducer: alertingConfig.rules.overwriteProducer,
      disabledRuleTypes: alertingConfig.disabledRuleTypes,
      enabledRuleTypes: alertingConfig.enabledRuleTypes,
    },
    logger,
  );
  const rulesRepository = new RulesRepository(database.db);
  const rules = new RulesClient({
    repository: rulesRepository,
    ruleTypes,
    connectors: loader,
    isSystemAction: (id) => actions.isSystemAction(id),
    connectorTypes: registry,
    tasks: {
      schedule: (tasks) => taskManager.schedule(tasks),
      remove: (id) => taskStore.remove(id),
      updateInterval: (id, intervalMs) => taskStore.updateInterval(id, intervalMs),
      state: async (id) => (await taskStore.get(id))?.state,
      runSoon: (id) => taskManager.runSoon(id),
    },
    authorizer,
    settings: { minimumScheduleInterval: alertingConfig.rules.minimumScheduleInterval, maxScheduledPerMinute: alertingConfig.rules.maxScheduledPerMinute },
    logger,
  });
  for (const definition of ruleTaskDefinitions({
    rules: rulesRepository,
    ruleTypes,
    actions,
    connectorTypes: registry,
    paramsRenderer,
    elasticsearch: services.elasticsearch,
    config: alertingConfig,
    publicBaseUrl: config.server.publicBaseUrl,
    logger,
    events,
  })) {
    taskManager.register(definition);
  }
  // Incoming-alerts rules run when their alerts change, not at their next interval (issue 19).
  const incomingAlertsTrigger = new IncomingAlertsTrigger({ rules: rulesRepository, runSoon: (id) => taskManager.runSoon(id), logger, retryMs: tasksConfig.pollInterval });
  taskManager.onOutcome((task) => incomingAlertsTrigger.runFinished(task.id));
  rules.onDisabled(async (rule, taskState, untrack) => logAlertsStoppedByDisable(events, ruleTypes, rule, taskState, untrack));
  const spaces = new SpacesService(new SpacesRepository(database.db));
  const transfer: ConnectorTransferDeps = { repository, registry, cipher, inMemory, authorizer, spaces, validatorContext: { configurationUtilities }, services, maxImportExportSize: config.savedObjects.maxImportExportSize, logger };

  // Kibana Cases (issue 22): per owner, with the case feature privileges of the caller's roles.
  const casesAccess: Pick<CasesServiceDeps, 'grantOf' | 'userOf'> = {
    grantOf: (principal, spaceId, owner) => authorizer.casesGrantIn(principal, spaceId, owner),
    userOf: async (principal) => {
      const user = principal.authenticationType === 'internal' ? undefined : await users.get(principal.username);
      return { username: principal.username, full_name: user?.fullName ?? null, email: user?.email ?? null };
    },
  };
  const cases = new CasesService({ repository: new CasesRepository(database.db), ...casesAccess });
  const casesConfigure = new ConfigureService({
    repository: new CaseConfigurationsRepository(database.db),
    ...casesAccess,
    findConnector: (spaceId, id) => loader.find(spaceId, id),
  });

  let ready = false;
  const routes: RouteSpec[] = [
    ...statusRoutes({ version: VERSION, isReady: () => ready }),
    ...connectorRoutes(actions),
    ...connectorUiRoutes(actions),
    ...stackConnectorRoutes(actions),
    ...connectorTypeFormRoutes(registry),
    ...ruleRoutes(rules),
    ...ruleTypeFormRoutes(ruleTypes),
    ...queueRoutes(actions),
    ...savedObjectsRoutes(transfer, config.savedObjects),
    ...copyToSpaceRoutes(transfer),
    ...executionLogRoutes({ db: database.db, dialect: database.dialect, authorizer }),
    ...ruleExecutionLogRoutes({ db: database.db, rules }),
    ...ruleTicketRoutes({ rules, tickets }),
    ...aiConversationRoutes({ conversations: aiConversations, authorizer, rules }),
    ...spaceRoutes(spaces, authorizer),
    ...capabilitiesRoutes(authorizer),
    ...securityRoutes({ ...security, sessions }),
    ...sessionRoutes({ cookies: sessions, authenticator, loginThrottle, users: security.users }),
    ...apiKeyRoutes(apiKeys),
    ...auditRoutes(database.db),
    ...taskManagerRoutes(taskManager, taskStore),
    ...metricsRoutes(metricsRegistry, authorizer),
    ...alertmanagerRoutes({
      store: incomingAlerts,
      intake,
      settings: {
        resolveTimeoutMs: ingestConfig.resolveTimeout,
        resolvedRetentionMs: ingestConfig.resolvedRetention,
        maxActiveAlerts: ingestConfig.maxActiveAlerts,
        tokenSpaces: ingestConfig.tokens.map((t) => t.space),
      },
      silences: options.ingest?.silences ?? silences,
      version: VERSION,
      startedAt: new Date(),
      clock: options.ingest?.clock,
    }),
    ...ingestWebhookRoutes({
      intake,
      settings: {
        webhookResolveTimeoutMs: ingestConfig.webhookResolveTimeout,
        grafana: grafanaIngestSettings(ingestConfig.grafana, options.baseDir ?? process.cwd()),
        json: ingestConfig.json,
      },
      clock: options.ingest?.clock,
    }),
    ...silenceRoutes({ silences, authorizer }),
    ...casesRoutes(cases),
    ...casesConfigureRoutes(casesConfigure),
    ...ingestUiRoutes({ store: incomingAlerts, silences, rules: rulesRepository, silenceLookup: options.ingest?.silences, authorizer, clock: options.ingest?.clock }),
  ];
  // The document lists itself too, so it is built lazily, once every route is known.
  let openApi: unknown;
  routes.push({
    method: 'GET',
    url: '/api/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This OpenAPI 3.1 document (no credentials needed)',
    tags: ['system'],
    unauthenticated: true,
    responses: { 200: { description: 'OpenAPI 3.1 document' } },
    handler: async () => ({ body: (openApi ??= buildOpenApiDocument(routes, registry.list(), VERSION)) }),
  });
  const { app, handlersDone, drain } = createHttpServer({ routes, authenticator, sessions, loginThrottle, spaces, logger, maxPayload: config.server.maxPayload, https, audit, uiDir: options.uiDir, metrics: metricsRegistry, senderTokens });

  let closing: Promise<void> | undefined;
  return {
    app,
    database,
    actions,
    rules,
    ruleTypes,
    taskManager,
    taskStore,
    incomingAlerts,
    silences,
    incomingAlertsTrigger,
    cipher,
    logger,
    flushWrites: () => writes.flush(),
    async listen() {
      await app.listen({ port: config.server.port, host: config.server.host });
      ready = true;
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.server.port;
      const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
      const url = `${https ? 'https' : 'http'}://${host}:${port}`;
      lock?.setAddress(url);
      return url;
    },
    close() {
      closing ??= (async () => {
        // From here `/api/status` answers 503, so that load balancers stop sending; requests
        // still get answers (with `Connection: close`) while running tasks finish or are
        // released. Then the server stops listening and lets running requests finish.
        ready = false;
        drain();
        await incomingAlertsTrigger.close();
        await taskManager.stop();
        await app.close();
        await handlersDone();
        await paramsRenderer.close();
        await writes.flush();
        await audit.close();
        await wakeups?.close();
        await http.close();
        await esClient?.close();
        await closeDatabase();
      })();
      return closing;
    },
  };
}

function createElasticsearchClient(config: PlugboardConfig): ElasticsearchClient {
  const es = config.elasticsearch;
  const auth = es.serviceAccountToken
    ? { bearer: es.serviceAccountToken }
    : es.username && es.password
      ? { username: es.username, password: es.password }
      : undefined;
  return new ElasticsearchClient({
    nodes: es.hosts,
    auth,
    requestTimeout: es.requestTimeout,
    tls: { rejectUnauthorized: es.ssl.verificationMode !== 'none' },
  });
}
