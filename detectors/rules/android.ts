// Secrets compiled into an Android app's BuildConfig: Gradle's
// `buildConfigField 'String', 'API_KEY', '"value"'` (Groovy) and
// `buildConfigField("String", "API_KEY", "\"value\"")` (Kotlin DSL), which
// build logs and `--info` runs print with the rest of the build script. The
// value is a Java string literal inside a Gradle one. Shape from Nosey
// Parker's np.generic.2 and Kingfisher's kingfisher.generic.2 (Apache-2.0);
// the regex is ours.

import type { Rule } from '../rule.ts'
import { secretsIn } from './define.ts'

export const rules: Rule[] = [
  {
    id: 'android-buildconfig-secret',
    fallback: true,
    title: 'Secret compiled into an Android BuildConfig field',
    severity: 'medium',
    // The value is what a person or a build put there: the generic gates judge it.
    kind: 'generic',
    // The field's name ends in a credential word (API_KEY, MAPS_SECRET, BACKEND_TOKEN, DB_PASSWORD).
    regex:
      '(?i)buildConfigField[ \\t]*\\(?[ \\t]*["\']String["\'][ \\t]*,[ \\t]*["\'][A-Z0-9_]*(?:KEY|SECRET|TOKEN|PASSWORD|PASSWD|PWD)["\'][ \\t]*,[ \\t]*["\']\\\\?"([^"\\\\\\s]{8,})\\\\?"["\']',
    keywords: ['buildconfigfield'],
    minEntropy: 2.5,
    examples: {
      positives: secretsIn(
        (g) => g.base62(32),
        [(s) => `buildConfigField 'String' , 'API_KEY' , '"${s}"'`, (s) => `        buildConfigField("String", "BACKEND_TOKEN", "\\"${s}\\"")`]
      ),
      negatives: [
        `buildConfigField 'String', 'API_KEY', '"\${apiKey}"'`,
        'buildConfigField "String", "BASE_URL", "\\"https://api.example.com/v2\\""',
        "buildConfigField 'String', 'MAPS_API_KEY', '\"YOUR_API_KEY_HERE\"'",
        'buildConfigField("String", "API_KEY", project.findProperty("apiKey"))'
      ]
    }
  }
]
