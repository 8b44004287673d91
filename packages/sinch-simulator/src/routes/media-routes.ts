import { Router, type Request, type Response } from 'express';
import { SAMPLE_MEDIA } from '../sample-media';

/** `GET /media/{fileName}`: the sample files scripted customers send, as a channel CDN serves them. */
export function mediaRoutes(): Router {
  const router = Router();
  router.get('/media/:fileName', (req: Request, res: Response) => {
    const media = Object.values(SAMPLE_MEDIA).find(
      (sample) => sample.fileName === req.params.fileName,
    );
    if (!media) return void res.status(404).end();
    res.type(media.contentType).send(media.bytes);
  });
  return router;
}
