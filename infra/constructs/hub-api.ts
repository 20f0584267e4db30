/**
 * The HTTP API: the $default stage (throttled, JSON access logs), the API-key Lambda
 * authorizer, an optional custom domain, and one route per entry of the route table.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  ApiMapping,
  DomainName,
  EndpointType,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
  SecurityPolicy,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { summaryOf } from '../../functions/route-docs.ts';
import { AUTHORIZER_CACHE_SECONDS, type RouteDef } from '../../functions/routes.ts';
import type { CustomerDomain } from '../customers.ts';

/** The header that carries the API key (the authorizer's identity source and cache key). */
export const API_KEY_IDENTITY_SOURCE = '$request.header.x-api-key';
/** How long API Gateway caches an authorizer answer per key (a revoked key stops within this). */
export const AUTHORIZER_CACHE_TTL = Duration.seconds(AUTHORIZER_CACHE_SECONDS);

/** One JSON object per request: who, what, how it ended and why (integration/authorizer errors). */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  keyId: '$context.authorizer.keyId',
});

export interface HubApiProps {
  /** The Lambda authorizer (functions/http/authorizer.ts). */
  authorizer: IFunction;
  throttle: { rateLimit: number; burstLimit: number };
  logRetention: RetentionDays;
  domain?: CustomerDomain;
}

export class HubApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  readonly domainName?: DomainName;
  private readonly domain?: CustomerDomain;
  private readonly authorizer: HttpLambdaAuthorizer;

  constructor(scope: Construct, id: string, props: HubApiProps) {
    super(scope, id);

    this.api = new HttpApi(this, 'HttpApi', {
      description: 'MixTicket hub: ERP and PCS integrations (AgGateway MixTicket dispensing work orders and records)',
      // The $default stage is built below with throttling and access logs.
      createDefaultStage: false,
    });

    this.authorizer = new HttpLambdaAuthorizer('ApiKeyAuthorizer', props.authorizer, {
      authorizerName: 'api-key',
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: [API_KEY_IDENTITY_SOURCE],
      resultsCacheTtl: AUTHORIZER_CACHE_TTL,
    });

    this.domain = props.domain;
    if (props.domain) {
      this.domainName = new DomainName(this, 'DomainName', {
        domainName: props.domain.name,
        certificate: Certificate.fromCertificateArn(this, 'Certificate', props.domain.certificateArn),
        endpointType: EndpointType.REGIONAL,
        securityPolicy: SecurityPolicy.TLS_1_2,
      });
    }

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttle.rateLimit, burstLimit: props.throttle.burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });
    if (this.domainName) {
      new ApiMapping(this, 'DomainMapping', { api: this.api, domainName: this.domainName, stage: this.stage });
    }
    Validations.of(this.stage).acknowledge({
      id: 'Serverless-APIGWXrayEnabled',
      reason: 'HTTP APIs do not support X-Ray tracing (REST APIs only); the functions behind every route trace actively instead.',
    });
  }

  /** The base URL clients use: the custom domain when there is one, else the execute-api endpoint. */
  get url(): string {
    return this.domain ? `https://${this.domain.name}/` : this.stage.url;
  }

  /**
   * Adds the route of one route-table entry, served by `handler`: Lambda proxy (payload 2.0),
   * behind the API-key authorizer unless the entry names no roles (public by contract).
   */
  addRoute(route: RouteDef, handler: IFunction): void {
    const isPublic = route.roles.length === 0;
    const [httpRoute] = this.api.addRoutes({
      path: route.path,
      methods: [HttpMethod[route.method]],
      integration: new HttpLambdaIntegration(`${route.id}Integration`, handler, {
        payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
      }),
      ...(isPublic ? {} : { authorizer: this.authorizer }),
    });
    if (isPublic && httpRoute) {
      Validations.of(httpRoute).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: `${route.method} ${route.path} (${summaryOf(route.id)}) names no roles in functions/routes.ts: public by the API contract, no key needed.`,
      });
    }
  }
}
