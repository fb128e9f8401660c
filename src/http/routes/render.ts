import { Router } from 'express';
import type { ServiceContext } from '../../context.js';
import { renderSeal } from '../../render/index.js';
import { requireRole } from '../auth.js';

/** The application form's preview: template + text → the seal image as it would be made. */
export function renderRoutes(_ctx: ServiceContext): Router {
  const r = Router();
  r.post('/v1/render/preview', requireRole('unit-admin', 'municipal-admin'), async (req, res) => {
    const { template, text, bottomText, dpi } = req.body as { template: string; text: string; bottomText?: string; dpi?: number };
    const seal = await renderSeal({ template, text, bottomText, dpi: dpi ?? 300 });
    res.setHeader('X-Seal-Image-Sha256', seal.imageHash.toString('hex'));
    res.setHeader('X-Seal-Size-Mm', `${seal.widthMm}x${seal.heightMm}`);
    res.type('image/png').send(seal.png);
  });
  return r;
}
