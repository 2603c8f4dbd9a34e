import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { principalOf } from '../auth/principal.ts';
import { communicationTypes, type CaptureService, type Communication } from './capture-service.ts';

const CommunicationBody = Type.Object(
  {
    type: Type.Union(communicationTypes.map((t) => Type.Literal(t))),
    channel: Type.Optional(Type.String({ maxLength: 40 })),
    subject: Type.Optional(Type.String({ maxLength: 200 })),
    body: Type.Optional(Type.String({ maxLength: 50_000 })),
    occurredAt: Type.Optional(Type.String({ maxLength: 40 })),
    durationMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
    contact: Type.Object(
      { email: Type.Optional(Type.String({ maxLength: 254 })), phone: Type.Optional(Type.String({ maxLength: 40 })), name: Type.Optional(Type.String({ maxLength: 120 })) },
      { additionalProperties: false },
    ),
    externalId: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  },
  { additionalProperties: false },
);

/** The capture API: an external system (phone system, chat tool, mail gateway) records a communication. */
export async function captureRoutes(app: FastifyInstance, options: { capture: CaptureService }): Promise<void> {
  app.post<{ Body: Static<typeof CommunicationBody> }>('/capture/communications', { schema: { body: CommunicationBody } }, async (request, reply) => {
    const result = await options.capture.capture(principalOf(request), request.body as Communication);
    return reply.code(result.duplicate ? 200 : 201).send(result);
  });
}
