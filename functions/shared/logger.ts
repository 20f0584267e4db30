/** Structured JSON logs with the request id (Powertools), one logger per function instance. */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'mixticket-hub' });
