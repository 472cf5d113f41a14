import { constantContactSurface } from './dialects/constant-contact/index.js';
import { mailjetSurface } from './dialects/mailjet/index.js';
import { marketingCloudSurface } from './dialects/marketing-cloud/index.js';
import { sendgridSurface } from './dialects/sendgrid/index.js';
import { nativeSurface } from './native/index.js';
import type { SurfaceDeclaration } from './surface.js';

/**
 * Every API the server mounts. A new surface is one folder (its declaration, routes, wire
 * mappers) and one line here; mounts that overlap are refused at start.
 */
export const SERVED_SURFACES: readonly SurfaceDeclaration[] = [nativeSurface, sendgridSurface, mailjetSurface, marketingCloudSurface, constantContactSurface];
