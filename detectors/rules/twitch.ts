// Twitch stream keys: `live_<channel id>_<30–36 letters and digits>`, what
// OBS, ffmpeg and restreaming services put in an RTMP URL or a STREAM_KEY
// variable. Format from Nosey Parker's np.twitch.1 (Apache-2.0).

import { BASE62, DIGITS, format, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'twitch-stream-key',
    title: 'Twitch stream key',
    severity: 'high',
    token: format('live_', DIGITS.between(8, 12, 9), '_', BASE62.between(30, 36, 30)),
    // Keywords are also the prefixes generic rules defer to a format's rule: `live_` (or `live_8`) would take
    // GoCardless' live_ tokens from them. So the line must name the context: a stream key, Twitch or an RTMP URL.
    keywords: ['stream_key', 'streamkey', 'stream-key', 'stream key', 'twitch', 'rtmp://'],
    minEntropy: 3.5,
    lines: [(s) => `STREAM_KEY=${s}`, (s) => `ffmpeg -re -i in.mp4 -c copy -f flv rtmp://live.twitch.tv/app/${s}`],
    negatives: [`STREAM_KEY=live_123456789_${'x'.repeat(30)}`, 'is_live_123456789_stream', 'live_stream_key=<your key>']
  })
]
