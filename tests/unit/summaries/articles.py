"""Two small articles full of figures, written for these tests."""

FRENCH = """OpenAI pourrait lever jusqu'à 50 milliards de dollars au quatrième trimestre 2026, \
selon le Financial Times. La start-up de Sam Altman viserait une valorisation de 830 milliards \
de dollars.

Microsoft a déjà investi 13 milliards de dollars dans OpenAI depuis 2019. Amazon, de son côté, \
va supprimer environ 16 000 postes en octobre 2025, soit 7,5 % de ses effectifs de bureau.

Selon Microsoft, Nvidia fournira l'essentiel des puces. Google et Anthropic observent la \
manœuvre avec attention. M. Altman a confirmé que 3 millions d'utilisateurs paient déjà un \
abonnement, contre 1 million en 2024. Anthropic a levé 8 milliards de dollars en 2023.

La croissance du marché atteint 12 % par an. Microsoft et Amazon n'ont pas commenté."""

ENGLISH = """OpenAI could raise up to $50bn in the fourth quarter of 2026, the Financial Times \
reported. The start-up led by Sam Altman is seeking a valuation of up to $830bn.

Microsoft has invested $13bn in OpenAI since 2019. Amazon, meanwhile, will cut about 14,000 \
jobs in October 2025, or 7.5% of its office staff.

According to Microsoft, Nvidia will supply most of the chips. Google and Anthropic are watching \
closely. Mr. Altman said 3 million users already pay for a subscription, up from 1 million in \
2024. Anthropic raised $8bn in 2023.

The market is growing 12% a year. Microsoft and Amazon declined to comment."""
